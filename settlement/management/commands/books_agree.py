"""对账 per settlement: `manage.py books_agree [--since 2026-12-01] [--until …]` lists every settlement
where the hospital and the center disagree, with the action that resolves it; exit status 1 if any."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from settlement.books import books_agree


class Command(BaseCommand):
    help = "核对本院与医保中心的结算记录（逐笔），列出不一致及处理办法"

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--until", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, since=None, until=None, **options):
        differences = books_agree(since=since, until=until)
        if not differences:
            self.stdout.write("本院与医保中心的结算记录一致。")
            return
        for d in differences:
            self.stdout.write(
                f"{d.medins_setl_id or '-'}\t{d.person}\t{d.problem}\t本院：{d.hospital or '-'}"
                f"\t中心：{d.center or '-'}\t处理：{d.action}"
            )
        raise CommandError(f"{len(differences)} 笔不一致")
