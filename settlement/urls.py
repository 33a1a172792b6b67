from django.urls import path

from settlement import views

app_name = "settlement"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("stays/<int:pk>/", views.stay_settlement, name="stay"),
    path("stays/<int:pk>/pre-settle/", views.stay_pre_settle, name="pre_settle"),
    path("stays/<int:pk>/settle/", views.stay_settle, name="settle"),
    path("stays/<int:pk>/self-pay/", views.stay_settle_self_pay, name="settle_self_pay"),
    path("<int:settlement_id>/reverse/", views.settlement_reverse, name="reverse"),
    path("<int:settlement_id>/resettle/", views.settlement_resettle, name="resettle"),
    path("<int:settlement_id>/receipt/", views.settlement_receipt, name="receipt"),
    path("<int:settlement_id>/list/", views.settlement_list_print, name="settlement_list"),
    path("<int:settlement_id>/refund/", views.refund_receipt, name="refund_receipt"),
    path("<int:settlement_id>/check-now/", views.settlement_check_now, name="check_now"),
    path("books-agree/", views.books_agree_page, name="books_agree"),
    path("outpatient/", views.outpatient_register, name="outpatient_register"),
    path("outpatient/<int:pk>/", views.outpatient_visit, name="visit"),
]
