from django.urls import path

from settlement.api.views import CalculatorApi

urlpatterns = [
    path("calculate/", CalculatorApi.as_view(), name="api-settlement-calculate"),
]
