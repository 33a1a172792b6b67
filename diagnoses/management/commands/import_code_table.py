"""Import a center download file (医保版 ICD-10, ICD-9-CM-3, 中医病证) as a dated edition."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from diagnoses.models import CodeTable
from diagnoses.services import code_table_import


class Command(BaseCommand):
    help = "导入医保中心下发的诊断/手术操作/中医病证编码文件（.xlsx 或 .csv；全部成功才写入，可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("path", help="文件路径（.xlsx 或 .csv）")
        parser.add_argument("--kind", required=True, choices=CodeTable.values, help="编码表")
        parser.add_argument(
            "--effective-from", required=True, type=datetime.date.fromisoformat, help="生效日期 YYYY-MM-DD"
        )

    def handle(self, *args, path, kind, effective_from, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            report = code_table_import(
                actor=None,
                content=file.read_bytes(),
                filename=file.name,
                kind=kind,
                effective_from=effective_from,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        record = report.record
        if report.errors:
            for error in report.errors:
                self.stderr.write(f"第 {error['row']} 行：{error['message']}")
            raise CommandError(f"共 {len(report.errors)} 处错误，未导入任何编码。")
        if report.unchanged:
            self.stdout.write(
                f"该文件已于 {timezone.localtime(record.created_at):%Y-%m-%d %H:%M} 导入，未作改动。"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{record.get_kind_display()}（{effective_from} 起）：{record.row_count} 条；新增 "
                f"{record.created_count}，更新 {record.updated_count}，未变 {record.unchanged_count}，"
                f"删除 {record.removed_count}；旧版停用 {record.closed_count} 条。"
            )
        )
