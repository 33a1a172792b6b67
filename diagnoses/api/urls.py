from django.urls import path

from diagnoses.api import views

urlpatterns = [
    path("", views.DiagnosisSearchApi.as_view(), name="api-diagnoses-search"),
    path("category-ranges/", views.CategoryRangeListApi.as_view(), name="api-diagnoses-category-ranges"),
    path(
        "category-ranges/<int:pk>/",
        views.CategoryRangeDetailApi.as_view(),
        name="api-diagnoses-category-range",
    ),
    path("import/", views.CodeTableImportApi.as_view(), name="api-diagnoses-import"),
]
