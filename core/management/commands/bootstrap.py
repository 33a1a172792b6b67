"""One process for `make run`'s set-up: migrate, collect static files, load demo data."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "迁移数据库、收集静态文件并载入演示数据（make run 使用）"

    def handle(self, *args, **options):
        self.stdout.write("[devstack] 迁移数据库 …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("[devstack] 收集静态文件 …")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("[devstack] 载入演示数据 …")
        call_command("seed_demo", stdout=self.stdout)
        # The simulated center gets the same demo people (it keeps its own copy, never our tables).
        call_command("export_center_roster", stdout=self.stdout)
        call_command("export_center_catalog", stdout=self.stdout)
