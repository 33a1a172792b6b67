from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "智能审核"

    def ready(self) -> None:
        from core.checks import register_prescriber_check
        from core.navigation import HomePanel, NavItem, register_nav, register_panel
        from core.roles import Role

        from .home_panels import doctor_points_context, office_queue_context

        office = (Role.OFFICE, Role.ADMIN)
        register_nav(NavItem("审核疑点", "audit:queue", office, order=60))
        register_nav(NavItem("审核批次", "audit:jobs", office, order=61))
        register_nav(NavItem("医师积分", "audit:points", office, order=62))
        register_nav(NavItem("监管指标", "audit:indicators", office, order=63))
        register_nav(NavItem("我的医保积分", "audit:my_points", (Role.DOCTOR,), order=60))
        register_panel(
            Role.OFFICE, HomePanel("智能审核疑点", "audit/panels/queue.html", office_queue_context, order=15)
        )
        register_panel(
            Role.DOCTOR,
            HomePanel("我的医保积分", "audit/panels/points.html", doctor_points_context, order=50),
        )
        # AUD-5: a suspended or terminated doctor cannot write insured prescriptions.
        register_prescriber_check(_suspended_prescriber)


def _suspended_prescriber(practitioner, on_date):
    from core.errors import DomainError

    from .selectors import doctor_suspension

    measure = doctor_suspension(practitioner, on_date)
    if measure is None:
        return None
    return DomainError(
        f"医师医保服务资格{measure.get_measure_display()}中（{measure.effective_from:%Y-%m-%d} 起），"
        "不能开具医保处方（AUD-5）。",
        code="doctor_suspended",
        rule="AUD-5",
        status_code=403,
    )
