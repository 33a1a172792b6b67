"""Pages: the office's 目录对照 (map hospital items, record the center's review, export) and the
admin's catalog import."""

from __future__ import annotations

import datetime
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import ImportFileField, SearchForm, TextField, first_error
from core.permissions import role_required
from core.roles import Role
from drug_catalog import selectors, services
from drug_catalog.models import CatalogImport, CatalogVersion, HospitalItem

OFFICE = (Role.OFFICE, Role.ADMIN)


@role_required(*OFFICE)
def mapping_list(request):
    status = request.GET.get("status", "todo")
    if status not in selectors.MAPPING_FILTERS:
        status = "todo"
    search = SearchForm(request.GET)
    if search.errors:
        messages.error(request, search.errors["q"][0])
    query = search.query
    page = Paginator(selectors.hospital_items(status=status, query=query), 50).get_page(
        request.GET.get("page")
    )
    national = selectors.national_items_by_code([i.med_list_codg for i in page])
    counts = dict(HospitalItem.objects.values_list("mapping_status").annotate(n=Count("id")))
    filters = [
        (key, label, sum(counts.get(s, 0) for s in statuses))
        for key, (label, statuses) in selectors.MAPPING_FILTERS.items()
    ]
    context = {
        "status": status,
        "query": request.GET.get("q", "")[:200],  # shown as typed, even when refused
        "page": page,
        "rows": [(item, national.get(item.med_list_codg)) for item in page],
        "filters": filters,
    }
    template = "drug_catalog/_mapping_rows.html" if request.htmx else "drug_catalog/mapping_list.html"
    return render(request, template, context)


def _detail_context(item: HospitalItem, national_query: str = "") -> dict:
    events = HospitalItem.pgh_event_model.objects.filter(pgh_obj=item).select_related("updated_by")
    return {
        "item": item,
        "national": selectors.national_items_by_code([item.med_list_codg]).get(item.med_list_codg),
        "next_item": selectors.hospital_items(status="todo").exclude(pk=item.pk).first(),
        "history": events.order_by("-pgh_id")[:10],
        "national_query": national_query,
        "results": _national_results(national_query),
        "today": timezone.localdate(),
        "can_review": item.mapping_status == HospitalItem.MappingStatus.PENDING,
    }


def _national_results(query: str) -> list:
    if not query.strip():
        return []
    return selectors.search(query, region=selectors.catalog_region(), on_date=timezone.localdate())


@role_required(*OFFICE)
def mapping_detail(request, pk: int):
    item = get_object_or_404(HospitalItem.objects.select_related("mapped_by", "reviewed_by"), pk=pk)
    return render(
        request, "drug_catalog/mapping_detail.html", _detail_context(item, request.GET.get("nq", "")[:100])
    )


@role_required(*OFFICE)
def national_search(request):
    """The catalog search for the mapping form (htmx partial): code, pinyin initials, pinyin or name."""
    query = request.GET.get("nq", "")[:100]  # the box's maxlength: a longer text is no catalog name
    return render(
        request,
        "drug_catalog/_national_results.html",
        {"results": _national_results(query), "national_query": query},
    )


class ApproveForm(forms.Form):
    begndate = forms.DateField(
        label="对照生效日期",
        error_messages={"required": "请填写对照生效日期（YYYY-MM-DD）。", "invalid": "对照生效日期无效。"},
    )
    enddate = forms.DateField(
        label="对照失效日期", required=False, error_messages={"invalid": "对照失效日期无效。"}
    )


def _refused(request, item: HospitalItem, exc: DomainError):
    messages.error(request, f"{exc.message}（{exc.rule}）" if exc.rule else exc.message)
    return redirect("catalog:mapping_item", pk=item.pk)


@role_required(*OFFICE)
@require_POST
def mapping_map(request, pk: int):
    item = get_object_or_404(HospitalItem, pk=pk)
    try:
        item = services.hospital_item_map(
            actor=request.user, item=item, med_list_codg=request.POST.get("med_list_codg", "")[:50]
        )
    except DomainError as exc:
        return _refused(request, item, exc)
    messages.success(request, f"已对照到 {item.med_list_codg}，待中心审核；审核通过前按全自费（FEE-1）。")
    return redirect("catalog:mapping_item", pk=item.pk)


@role_required(*OFFICE)
@require_POST
def mapping_approve(request, pk: int):
    item = get_object_or_404(HospitalItem, pk=pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, DomainError(first_error(form)))
    begndate, enddate = form.cleaned_data["begndate"], form.cleaned_data["enddate"]
    try:
        item = services.hospital_item_approve(
            actor=request.user, item=item, begndate=begndate, enddate=enddate
        )
    except DomainError as exc:
        return _refused(request, item, exc)
    messages.success(request, f"已登记中心审核通过，自 {begndate:%Y-%m-%d} 起医保基金按目录支付。")
    return redirect("catalog:mapping_item", pk=item.pk)


@role_required(*OFFICE)
@require_POST
def mapping_reject(request, pk: int):
    item = get_object_or_404(HospitalItem, pk=pk)
    try:
        item = services.hospital_item_reject(
            actor=request.user, item=item, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _refused(request, item, exc)
    messages.success(request, "已登记中心拒绝；该项目按全自费，可重新对照后再次提交。")
    return redirect("catalog:mapping_item", pk=item.pk)


@role_required(*OFFICE)
def mapping_export(request):
    """All mappings as Excel, in the center's column names."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from core.spreadsheet import safe_row

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "目录对照"
    sheet.append(safe_row(selectors.MAPPING_EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in selectors.mapping_export_rows():
        sheet.append(safe_row(row))  # a name like "=HYPERLINK(…)" stays text, never a formula
    for column in ("F", "G"):
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGH", (22, 30, 24, 30, 12, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"目录对照_{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


IMPORT_FIELDS = {
    "region": "目录区划",
    "version_code": "版本号",
    "version_name": "名称",
    "effective_from": "生效日期",
}


class CatalogImportForm(forms.Form):
    file = ImportFileField(label="目录文件")
    region = forms.RegexField(
        regex=r"^\d{6}$", label="目录区划", error_messages={"invalid": "目录区划应为 6 位数字，如 610000。"}
    )
    version_code = TextField(label="版本号", max_length=40, required=True)
    version_name = TextField(label="名称", max_length=100, required=True)
    effective_from = forms.DateField(
        label="生效日期",
        error_messages={
            "required": "请填写生效日期（YYYY-MM-DD）。",
            "invalid": "请填写生效日期（YYYY-MM-DD），如 2026-01-01。",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("region", "version_code", "version_name"):
            self.fields[name].error_messages["required"] = "必填。"

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        if not datetime.date(2000, 1, 1) <= day <= datetime.date(2099, 12, 31):
            raise forms.ValidationError("生效日期应在 2000 至 2099 年之间。")
        return day


@role_required(Role.ADMIN)
def catalog_import_page(request):
    """目录导入: a file with any bad row imports nothing and lists every bad row; the file is judged
    by its content (type, size, NUL bytes, cells), every attempt is recorded."""
    values = {
        "region": selectors.catalog_region(),
        "version_code": "",
        "version_name": "",
        "effective_from": "",
    }
    form_errors: dict[str, str] = {}
    report = None
    if request.method == "POST":
        values |= {key: request.POST.get(key, "").strip()[:200] for key in IMPORT_FIELDS}
        form = CatalogImportForm(request.POST, request.FILES)
        if not form.is_valid():
            form_errors = {field: str(problems[0]) for field, problems in form.errors.items()}
        else:
            data = form.cleaned_data
            content = data["file"].read()
            arguments = {
                "actor": request.user,
                "content": content,
                "filename": data["file"].name,
                "region": data["region"],
                "version_code": data["version_code"],
                "version_name": data["version_name"],
                "effective_from": data["effective_from"],
            }
            if len(content) > settings.IMPORT_ASYNC_BYTES:
                record = services.catalog_import_start(**arguments)
                if record.outcome == CatalogImport.Outcome.PENDING:
                    messages.info(
                        request, f"文件较大（{len(content) // 1024} KB），已在后台导入，可继续其他工作。"
                    )
                    return redirect("catalog:import_status", pk=record.pk)
                report = services.ImportReport(errors=record.errors, record=record)
            else:
                report = services.catalog_import(**arguments)
            file_problems = [e["message"] for e in report.errors if not e.get("row")]
            if file_problems:
                form_errors["file"] = "；".join(file_problems)
            _import_message(request, report)
    status = 400 if form_errors or (report is not None and report.errors) else 200
    return render(
        request,
        "drug_catalog/catalog_import.html",
        {
            "values": values,
            "form_errors": form_errors,
            "report": report,
            "errors": [
                {**e, "label": _column_label(e["field"])}
                for e in (report.errors if report else [])
                if e.get("row")
            ][:1000],
            "columns": [(name, aliases) for name, aliases in services.COLUMNS.items()],
            "required": services.REQUIRED,
            "recent": CatalogVersion.objects.order_by("-updated_at")[:10],
            "attempts": CatalogImport.objects.defer("content").order_by("-created_at")[:10],
            "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
        },
        status=status,
    )


@role_required(Role.ADMIN)
def catalog_import_status(request, pk: int):
    """One catalog import: its progress bar while the task runs (htmx polls this), then its report."""
    record = get_object_or_404(CatalogImport.objects.defer("content"), pk=pk)
    context = {
        "record": record,
        "progress": services.import_progress(record),
        "errors": [{**e, "label": _column_label(e["field"])} for e in record.errors][:1000],
    }
    if request.htmx:
        return render(request, "drug_catalog/_import_record.html", context)
    return render(request, "drug_catalog/import_status.html", context)


def _import_message(request, report: services.ImportReport) -> None:
    if report.errors:
        messages.error(request, f"文件有 {len(report.errors)} 处错误，未导入任何数据。请修正后重新导入。")
    elif report.unchanged:
        messages.info(
            request, f"与上次导入的文件完全相同，{report.version} 未做任何修改（{report.rows} 条）。"
        )
    else:
        kept = f"；另有 {report.items_kept} 条原有条目不在本文件中，保持不变" if report.items_kept else ""
        messages.success(
            request,
            f"{'已新建' if report.created else '已更新'} {report.version}：新增 {report.items_created} 条，"
            f"修改 {report.items_updated} 条，未变化 {report.items_unchanged} 条{kept}。",
        )


def _column_label(field: str) -> str:
    aliases = services.COLUMNS.get(field)
    return f"{aliases[1]}（{aliases[0]}）" if aliases else field
