from django.urls import path

from settlement import views

app_name = "settlement"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
]
