from django.apps import AppConfig


class DiagnosesConfig(AppConfig):
    name = "diagnoses"
    verbose_name = "诊断与手术操作编码"
