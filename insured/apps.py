from django.apps import AppConfig


class InsuredConfig(AppConfig):
    name = "insured"
    verbose_name = "参保人员"
