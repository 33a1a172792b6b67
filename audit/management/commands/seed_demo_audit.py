from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "载入智能审核演示数据（需先 seed_demo_stays）"

    def handle(self, *args, **options):
        from audit import demo

        demo.seed(lambda text: self.stdout.write(f"  {text}"))
