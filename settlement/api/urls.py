from django.urls import path

from settlement.api import window
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
