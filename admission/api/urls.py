from django.urls import path

from admission.api import diagnoses, views

urlpatterns = [
    path("", views.AdmissionListApi.as_view(), name="admission-list"),
    path("reviews/", views.ReviewListApi.as_view(), name="admission-reviews"),
    path(
        "reviews/<int:review_id>/decide/", views.ReviewDecisionApi.as_view(), name="admission-review-decide"
    ),
    path("referral-rate/", views.ReferralRateApi.as_view(), name="admission-referral-rate"),
    path("leaves/<int:leave_id>/decide/", views.LeaveDecisionApi.as_view(), name="admission-leave-decide"),
    path("charges/<int:charge_id>/refund/", views.RefundApi.as_view(), name="admission-charge-refund"),
    path("<int:pk>/", views.AdmissionDetailApi.as_view(), name="admission-detail"),
    path("<int:pk>/register/", views.RegisterApi.as_view(), name="admission-register"),
    path(
        "<int:pk>/registrations/<int:registration_id>/cancel/",
        views.RegistrationCancelApi.as_view(),
        name="admission-registration-cancel",
    ),
    path("<int:pk>/custody/", views.CustodyApi.as_view(), name="admission-custody"),
    path("<int:pk>/trauma-decision/", views.TraumaDecisionApi.as_view(), name="admission-trauma-decision"),
    path("<int:pk>/rounds/", views.RoundApi.as_view(), name="admission-rounds"),
    path("<int:pk>/leaves/", views.LeaveApi.as_view(), name="admission-leaves"),
    path("<int:pk>/orders/", views.OrderApi.as_view(), name="admission-orders"),
    path("<int:pk>/charges/", views.ChargeApi.as_view(), name="admission-charges"),
    path("<int:pk>/consents/", views.ConsentApi.as_view(), name="admission-consents"),
    path("<int:pk>/daily-list/", views.DailyListApi.as_view(), name="admission-daily-list"),
    path("<int:pk>/diagnoses/", diagnoses.DiagnosisCorrectionApi.as_view(), name="admission-diagnoses"),
    path("<int:pk>/discharge-order/", views.DischargeOrderApi.as_view(), name="admission-discharge-order"),
    path("<int:pk>/checklist/", views.ChecklistApi.as_view(), name="admission-checklist"),
    path("<int:pk>/discharge/", views.DischargeApi.as_view(), name="admission-discharge"),
    path("<int:pk>/cancel/", views.CancelApi.as_view(), name="admission-cancel"),
]
