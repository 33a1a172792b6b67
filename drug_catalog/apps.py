from django.apps import AppConfig


class DrugCatalogConfig(AppConfig):
    name = "drug_catalog"
    verbose_name = "医保目录"
