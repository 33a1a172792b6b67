from django.apps import AppConfig


class CenterConfig(AppConfig):
    """The insurance center (国家医保信息平台) as seen from the hospital: client, protocol, signing,
    the exchange log, payload builders, intents and their recovery, and the simulator."""

    name = "center"
    verbose_name = "医保中心接口"
