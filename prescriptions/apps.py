from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    verbose_name = "处方"

    def ready(self) -> None:
        from core.navigation import NavItem, register_nav
        from core.roles import Role

        register_nav(NavItem("开处方", "prescriptions:compose", (Role.DOCTOR,), order=30))
        self._watch_reference_rows()
        register_nav(NavItem("处方查询", "prescriptions:list", (Role.DOCTOR, Role.OFFICE), order=31))

    @staticmethod
    def _watch_reference_rows() -> None:
        """The check caches versioned reference rows (selectors.reference_generation); any save or
        delete of one starts a new generation."""
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from prescriptions.selectors import reference_changed

        for label in (
            "prescriptions.DaySupplyProfile",
            "drug_catalog.CatalogVersion",
            "drug_catalog.CatalogItem",
            "diagnoses.DiagnosisCode",
            "diagnoses.DiseaseCategoryRange",
        ):
            model = apps.get_model(label)
            for signal in (post_save, post_delete):
                signal.connect(reference_changed, sender=model, dispatch_uid=f"rx-reference-{label}-{signal}")
