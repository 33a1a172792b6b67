from django.urls import path

from sync import views

app_name = "sync"

urlpatterns = [
    path("", views.sync_page, name="page"),
    path("now/", views.sync_now, name="now"),
    path("failures/<int:pk>/resend/", views.failure_resend, name="failure_resend"),
    path("failures/<int:pk>/cancel/", views.failure_cancel, name="failure_cancel"),
    path("conflicts/<int:pk>/review/", views.conflict_review, name="conflict_review"),
    path("reconciliations/", views.reconciliations, name="reconciliations"),
    path("reconciliations/<int:pk>/", views.reconciliation, name="reconciliation"),
    path("reconciliations/<int:pk>.xlsx", views.reconciliation_export, name="reconciliation_export"),
]
