from django.urls import path

from insured.api import views

urlpatterns = [
    path("card-read/", views.CardReadApi.as_view(), name="api-insured-card-read"),
    path(
        "card-read/<int:pk>/confirm/",
        views.CardReadConfirmApi.as_view(),
        name="api-insured-card-read-confirm",
    ),
    path("persons/", views.PersonSearchApi.as_view(), name="api-insured-person-search"),
    path("persons/<str:psn_no>/", views.PersonDetailApi.as_view(), name="api-insured-person"),
    path(
        "persons/<str:psn_no>/sanctions/",
        views.SanctionCreateApi.as_view(),
        name="api-insured-sanction-create",
    ),
    path("sanctions/<int:pk>/lift/", views.SanctionLiftApi.as_view(), name="api-insured-sanction-lift"),
    path("roster-imports/", views.RosterImportApi.as_view(), name="api-insured-roster-import"),
    path(
        "roster-imports/<int:pk>/",
        views.RosterImportStatusApi.as_view(),
        name="api-insured-roster-import-status",
    ),
]
