from django.contrib import admin  # noqa: F401 - registrations arrive with the models
