from django.urls import path

from drug_catalog import views

app_name = "catalog"

urlpatterns = [
    path("mapping/", views.mapping_list, name="mapping"),
    path("mapping/export.xlsx", views.mapping_export, name="mapping_export"),
    path("mapping/national/", views.national_search, name="national_search"),
    path("mapping/<int:pk>/", views.mapping_detail, name="mapping_item"),
    path("mapping/<int:pk>/map/", views.mapping_map, name="mapping_map"),
    path("mapping/<int:pk>/approve/", views.mapping_approve, name="mapping_approve"),
    path("mapping/<int:pk>/reject/", views.mapping_reject, name="mapping_reject"),
    path("import/", views.catalog_import_page, name="import"),
    path("import/<int:pk>/", views.catalog_import_status, name="import_status"),
]
