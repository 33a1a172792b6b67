from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "医保结算"

    def ready(self) -> None:
        from core import health

        from .selectors import center_health

        # Informational: a center outage must not take the hospital's own pages "down" (SET-10 falls back).
        health.register_check("center", center_health, required=False)
