from django.urls import path

from core.api.views import MeApi, TokenObtainApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
]
