"""Bounded form fields shared by every page form (and their DRF twins for API bodies).

Numbers are typed by people at a window: full-width digits are normalised (NFKC), and only plain
decimal notation is accepted — "1e3", "NaN" and "inf" are refused, never read as 1000 bed-days.
Upper bounds come from the column the value lands in (max_digits), so the database never refuses."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
NOT_PLAIN = "请输入普通数字（如 2 或 0.5），不接受科学计数法或非数字。"


def normalise(value: Any) -> Any:
    """Full-width digits and letters as ASCII ("１２" → "12"), surrounding blanks removed."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


def plain_number(value: Any) -> Any:
    value = normalise(value)
    if isinstance(value, str) and value and not PLAIN_NUMBER.match(value):
        raise ValidationError(NOT_PLAIN, code="invalid")
    return value


def bound_for(max_digits: int, decimal_places: int) -> Decimal:
    """The largest value a DecimalField(max_digits, decimal_places) column holds."""
    return Decimal(10 ** (max_digits - decimal_places)) - Decimal(1).scaleb(-decimal_places)


class PlainDecimalField(forms.DecimalField):
    """A DecimalField that accepts only plain notation and stays inside its column."""

    def __init__(self, *, max_digits: int = 14, decimal_places: int = 2, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", bound_for(max_digits, decimal_places))
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        return super().to_python(plain_number(value))


class PlainIntegerField(forms.IntegerField):
    def __init__(self, *, max_value: int = 32767, min_value: int = 0, **kwargs: Any) -> None:
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        value = plain_number(value)
        if isinstance(value, str) and "." in value:
            raise ValidationError("请输入整数。", code="invalid")
        return super().to_python(value)


class TextField(forms.CharField):
    """A bounded text box: NUL and other control characters refused (PostgreSQL cannot store NUL)."""

    def __init__(self, *, max_length: int = 200, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if any(unicodedata.category(c) == "Cc" and c not in "\r\n\t" for c in value):
            raise ValidationError("含有不可见的控制字符，请重新输入。", code="control_characters")
        return value


class SearchForm(forms.Form):
    """The q of every search page: bounded, so a pasted essay is answered in Chinese, not searched."""

    q = TextField(max_length=100, label="检索词")

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["q"].error_messages["max_length"] = "检索词不超过 %(limit_value)d 个字符。"

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class PlainDecimalSerializerField(serializers.DecimalField):
    """DRF twin of PlainDecimalField for API bodies."""

    default_error_messages = {"plain": NOT_PLAIN}

    def to_internal_value(self, data: Any) -> Decimal:
        data = normalise(data)
        if isinstance(data, str) and data and not PLAIN_NUMBER.match(data):
            self.fail("plain")
        if isinstance(data, float):
            # JSON numbers arrive as float: only finite ones, read through their shortest text.
            if data != data or data in (float("inf"), float("-inf")):
                self.fail("plain")
            data = repr(data)
            if not PLAIN_NUMBER.match(data):
                self.fail("plain")
        return super().to_internal_value(data)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's errors as {field: [message]} (for DomainError and the error shape)."""
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


KEPT_FORM = "_kept_form"
KEPT_VALUE_CHARS = 2000  # a pasted essay is kept cut (the field's own bound refused it anyway)


def keep_typed(
    request: Any, key: str, data: dict[str, str], errors: dict[str, list[str]] | None = None
) -> None:
    """An inline form (a row's refund reason, the leave request on the stay page …) refused after its
    view redirected back: what was typed and the Chinese error per field are kept in the session for
    that page, where {% kept_form "key" as kept %} fills the form again and shows each error beside its
    field — once (issue 19, item 1)."""
    request.session[KEPT_FORM] = {
        "key": key,
        "data": {name: str(value)[:KEPT_VALUE_CHARS] for name, value in data.items()},
        "errors": errors or {},
    }


def keep_refused(request: Any, form: forms.Form, key: str) -> None:
    """keep_typed for a bound Django form: the fields as posted and the form's errors."""
    # Every posted field, the form's and the page's own (a picker's typed text beside its hidden id).
    data = {name: value for name, value in request.POST.items() if name != "csrfmiddlewaretoken"}
    # Templates cannot read "__all__": the form-wide errors are kept as "form".
    errors = {("form" if field == "__all__" else field): found for field, found in form_errors(form).items()}
    keep_typed(request, key, data, errors)


def take_kept(request: Any, key: str) -> dict[str, Any] | None:
    """The kept input of form `key` (then forgotten), or None."""
    session = getattr(request, "session", None)
    kept = session.get(KEPT_FORM) if session is not None else None
    if not kept or kept.get("key") != key:
        return None
    del session[KEPT_FORM]
    return kept


def first_error(form: forms.Form) -> str:
    """One line for a message banner: '字段：问题' of the first error."""
    for field, messages in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}：{messages[0]}" if label else str(messages[0])
    return ""


class ImportFileField(forms.FileField):
    """An import's upload: required, within settings.IMPORT_MAX_UPLOAD_BYTES (the limit named in the
    message). Its content (type, NUL bytes, cells) is judged by core.tabular, which the import runs."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "required": "请选择要导入的文件（.xlsx 或 .csv）。",
                "empty": "文件为空，请选择有数据的文件。",
                "invalid": "上传的不是文件，请重新选择。",
            },
        )
        kwargs.setdefault("allow_empty_file", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.error_messages["max_length"] = "文件名过长（不超过 %(max)d 个字符）。"

    def clean(self, data: Any, initial: Any = None) -> Any:
        from django.conf import settings

        upload = super().clean(data, initial)
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload is not None and upload.size > limit:
            raise ValidationError(
                f"文件过大（{upload.size / 1024 / 1024:.1f} MB），上限为 {limit // (1024 * 1024)} MB。",
                code="too_large",
            )
        return upload
