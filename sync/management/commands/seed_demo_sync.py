from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "载入医保同步演示数据：首次同步、次日生效的中心目录、含一笔差异的当日对账"

    def handle(self, *args, **options):
        from sync import demo

        demo.load(log=lambda text: self.stdout.write(text))
