from django.urls import path

from prescriptions.api import views

urlpatterns = [
    path("", views.PrescriptionListApi.as_view(), name="prescription-list"),
    path("check/", views.PrescriptionCheckApi.as_view(), name="prescription-check"),
    path("approvals/", views.DrugApprovalApi.as_view(), name="prescription-approvals"),
    path("<int:pk>/", views.PrescriptionDetailApi.as_view(), name="prescription-detail"),
    path("<int:pk>/cancel/", views.PrescriptionCancelApi.as_view(), name="prescription-cancel"),
]
