from django.urls import path

from insured import views

app_name = "insured"

urlpatterns = [
    path("card-read/", views.card_read_page, name="card_read"),
    path("card-read/read/", views.card_read_submit, name="card_read_submit"),
    path("card-read/<int:pk>/confirm/", views.card_read_confirm, name="card_read_confirm"),
    path("persons/", views.person_search_page, name="person_search"),
    path("persons/<str:psn_no>/", views.person_detail_page, name="person"),
    path("persons/<str:psn_no>/sanctions/", views.sanction_add, name="sanction_add"),
    path("sanctions/<int:pk>/lift/", views.sanction_lift, name="sanction_lift"),
    path("import/", views.roster_import_page, name="roster_import"),
    path("import/<int:pk>/", views.roster_import_status, name="roster_import_status"),
]
