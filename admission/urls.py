from django.urls import path

from admission import diagnosis_views, document_views, views

app_name = "admission"

urlpatterns = [
    path("", views.stay_list, name="list"),
    path("new/", views.admit, name="admit"),
    path("beds/", views.free_beds, name="free_beds"),
    path("items/", views.hospital_item_search, name="item_search"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_add, name="round_add"),
    path("reviews/", views.reviews, name="reviews"),
    path("referral-rate/", views.referral_rate, name="referral_rate"),
    path("my-patients/", views.my_patients, name="my_patients"),
    path("leaves/<int:leave_id>/decide/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/", views.stay_detail, name="stay"),
    path("<int:pk>/charges/", views.charge_add, name="charge_add"),
    path("<int:pk>/charges/<int:charge_id>/refund/", views.charge_refund, name="charge_refund"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("<int:pk>/consent-form/", views.consent_form, name="consent_form"),
    path("<int:pk>/register/", views.register, name="register"),
    path(
        "<int:pk>/registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path("<int:pk>/custody/", views.custody, name="custody"),
    path("<int:pk>/trauma/", views.trauma_decide, name="trauma_decide"),
    path("<int:pk>/leaves/", views.leave_add, name="leave_add"),
    path("<int:pk>/orders/", views.orders, name="orders"),
    path("<int:pk>/diagnoses/", diagnosis_views.stay_diagnoses, name="diagnoses"),
    path("<int:pk>/consultations/", views.consultation_add, name="consultation_add"),
    path("<int:pk>/daily/<str:day>/", views.daily_list, name="daily_list"),
    path("<int:pk>/daily/<str:day>/receipt/", document_views.daily_receipt, name="daily_receipt"),
    path(
        "<int:pk>/daily/<str:day>/receipt.pdf",
        document_views.daily_receipt,
        {"fmt": "pdf"},
        name="daily_receipt_pdf",
    ),
    path("<int:pk>/discharge-order/", views.discharge_order, name="discharge_order"),
    path("<int:pk>/discharge/", views.discharge, name="discharge"),
]
