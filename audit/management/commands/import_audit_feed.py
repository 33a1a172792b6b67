from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "导入药房进销存（stock）或检查检验结果（results）CSV，供 STOCK / FEE-5 规则使用"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["stock", "results"])
        parser.add_argument("path", type=Path)

    def handle(self, *args, kind, path, **options):
        from audit import feeds

        if not path.is_file() or path.stat().st_size > 50 * 1024 * 1024:
            raise CommandError("文件不存在或超过 50 MB。")
        text = path.read_text(encoding="utf-8-sig", errors="strict")
        run = feeds.stock_import if kind == "stock" else feeds.exam_results_import
        result = run(actor=None, text=text)
        for error in result.errors[:50]:
            self.stderr.write(error)
        if result.errors:
            raise CommandError(f"{len(result.errors)} 处错误，未导入任何行。")
        self.stdout.write(f"新增 {result.created} 行，已存在 {result.unchanged} 行。")
