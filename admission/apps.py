from django.apps import AppConfig


class AdmissionConfig(AppConfig):
    name = "admission"
    verbose_name = "住院管理"

    def ready(self) -> None:
        from core.navigation import HomePanel, NavItem, register_nav, register_panel
        from core.roles import Role

        from .home_panels import clerk_inpatients_context, office_reviews_context

        register_nav(NavItem("在院患者", "admission:list", (Role.CLERK, Role.NURSE), order=12))
        register_nav(NavItem("办理入院", "admission:admit", (Role.CLERK,), order=11))
        register_nav(NavItem("查房", "admission:rounds", (Role.OFFICE,), order=21))
        register_nav(NavItem("住院审核", "admission:reviews", (Role.OFFICE,), order=22))
        register_nav(NavItem("我的患者", "admission:my_patients", (Role.DOCTOR,), order=29))
        register_panel(
            Role.CLERK,
            HomePanel("在院与手续", "admission/panels/clerk.html", clerk_inpatients_context, order=15),
        )
        register_panel(
            Role.OFFICE,
            HomePanel("住院审核事项", "admission/panels/office.html", office_reviews_context, order=25),
        )

    @staticmethod
    def open_stays_for(person) -> list[dict]:
        """insured.selectors.open_admissions asks this: the person's open stays for the card-read page."""
        from .models import Stay

        return [
            {"id": s.pk, "ipt_no": s.ipt_no, "self_pay": s.self_pay, "status": s.get_status_display()}
            for s in Stay.objects.open().filter(person=person)
        ]
