from django.urls import path

from settlement.api import outpatient, window
from settlement.api.views import CalculatorApi

urlpatterns = [
    path("calculate/", CalculatorApi.as_view(), name="api-settlement-calculate"),
]

# /api/v1/settlements/
settlement_urlpatterns = [
    path("<int:settlement_id>/", window.SettlementDetailApi.as_view(), name="api-settlement-detail"),
    path("<int:settlement_id>/reverse/", window.ReverseApi.as_view(), name="api-settlement-reverse"),
    path("<int:settlement_id>/resettle/", window.ResettleApi.as_view(), name="api-settlement-resettle"),
]

# /api/v1/admissions/<id>/… (the window acts on the stay)
stay_urlpatterns = [
    path("<int:pk>/pre-settle/", window.PreSettleApi.as_view(), name="api-stay-pre-settle"),
    path("<int:pk>/settle/", window.SettleApi.as_view(), name="api-stay-settle"),
    path("<int:pk>/settle-self-pay/", window.SelfPaySettleApi.as_view(), name="api-stay-settle-self-pay"),
]

# /api/v1/outpatient/visits/
outpatient_urlpatterns = [
    path("", outpatient.VisitListApi.as_view(), name="api-visit-list"),
    path("<int:pk>/", outpatient.VisitDetailApi.as_view(), name="api-visit-detail"),
    path(
        "<int:pk>/prescriptions/", outpatient.VisitPrescriptionApi.as_view(), name="api-visit-prescriptions"
    ),
    path("<int:pk>/items/", outpatient.VisitItemApi.as_view(), name="api-visit-items"),
    path(
        "<int:pk>/charges/<int:charge_id>/refund/",
        outpatient.VisitChargeRefundApi.as_view(),
        name="api-visit-charge-refund",
    ),
    path("<int:pk>/pre-settle/", outpatient.VisitPreSettleApi.as_view(), name="api-visit-pre-settle"),
    path("<int:pk>/settle/", outpatient.VisitSettleApi.as_view(), name="api-visit-settle"),
]
