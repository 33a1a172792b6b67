from django.urls import path

from settlement import document_views, views

app_name = "settlement"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("stays/<int:pk>/", views.stay_settlement, name="stay"),
    path("stays/<int:pk>/pre-settle/", views.stay_pre_settle, name="pre_settle"),
    path("stays/<int:pk>/confirm/", views.stay_settle_confirm, name="settle_confirm"),
    path("stays/<int:pk>/settle/", views.stay_settle, name="settle"),
    path("stays/<int:pk>/self-pay/", views.stay_settle_self_pay, name="settle_self_pay"),
    path("<int:settlement_id>/reverse/", views.settlement_reverse, name="reverse"),
    path("<int:settlement_id>/resettle/", views.settlement_resettle, name="resettle"),
    path("<int:settlement_id>/receipt/", document_views.settlement_receipt, name="receipt"),
    path(
        "<int:settlement_id>/receipt.pdf",
        document_views.settlement_receipt,
        {"fmt": "pdf"},
        name="receipt_pdf",
    ),
    path("<int:settlement_id>/list/", document_views.settlement_list, name="settlement_list"),
    path(
        "<int:settlement_id>/list.pdf",
        document_views.settlement_list,
        {"fmt": "pdf"},
        name="settlement_list_pdf",
    ),
    path("<int:settlement_id>/reversal/", document_views.reversal_slip, name="reversal_slip"),
    path(
        "<int:settlement_id>/reversal.pdf", document_views.reversal_slip, {"fmt": "pdf"}, name="reversal_pdf"
    ),
    path("<int:settlement_id>/refund/", document_views.refund_slip, name="refund_receipt"),
    path("<int:settlement_id>/refund.pdf", document_views.refund_slip, {"fmt": "pdf"}, name="refund_pdf"),
    path("<int:settlement_id>/check-now/", views.settlement_check_now, name="check_now"),
    path("books-agree/", views.books_agree_page, name="books_agree"),
    path("policy/", views.policy_in_force_page, name="policy_in_force"),
    path("outpatient/", views.outpatient_register, name="outpatient_register"),
    path("outpatient/<int:pk>/", views.outpatient_visit, name="visit"),
    path("outpatient/<int:pk>/confirm/", views.visit_settle_confirm, name="visit_settle_confirm"),
]
