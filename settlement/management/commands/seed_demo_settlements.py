from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "载入结算演示数据（需先 seed_demo_stays）"

    def handle(self, *args, **options):
        from settlement import demo

        demo.load(log=lambda text: self.stdout.write(text))
