"""Demo stays through the real services (make run runs it after the simulated center is up)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "载入住院演示数据（需先 seed_demo；医保中心可用时同时办理医保登记）"

    def handle(self, *args, **options):
        from admission import demo

        demo.seed(lambda text: self.stdout.write(f"  {text}"))
        from audit import demo as audit_demo

        audit_demo.seed(lambda text: self.stdout.write(f"  {text}"))
