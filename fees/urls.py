from django.urls import path

from fees import views

app_name = "fees"

urlpatterns = [
    path("center-differences/", views.center_differences, name="center_differences"),
    path("persons/<int:person_id>/", views.person_lines, name="person_lines"),
]
