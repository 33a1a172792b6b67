"""Diagnosis and procedure code tables (ICD-10, ICD-9-CM-3, TCM) and RX-2's disease-category ranges.

Codes are versioned editions: the GNU Health ICD-10 bootstrap (effective 2000-01-01) until the
center's insurance edition is imported with its own effective date, which closes the older rows.
Admission, prescriptions, settlement lists and DRG all read codes "as of" a date from here.
"""

from __future__ import annotations

import re

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, IntegerRangeField, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, IntegerField, Q, Value
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from core.models import TrackedModel, ValidityPeriodModel, track_history
from diagnoses.rules import CategoryRange, CodeRestriction, DiseaseCategory, normalise_code


class CodeTable(models.TextChoices):
    ICD10 = "icd10", "医保版ICD-10 诊断"
    ICD9CM3 = "icd9cm3", "医保版ICD-9-CM-3 手术操作"
    TCM_DISEASE = "tcm_disease", "中医病证-病"
    TCM_SYNDROME = "tcm_syndrome", "中医病证-证"


class CodeSource(models.TextChoices):
    GNUHEALTH = "gnuhealth", "GNU Health ICD-10（初始数据）"
    CENTER = "center", "医保中心下发"


class DiagnosisCode(TrackedModel, ValidityPeriodModel):
    """One code of one edition. Written only by the imports (services.py); no per-row history, the
    import record (`CodeTableImport`) is the trail."""

    kind = models.CharField("编码表", max_length=16, choices=CodeTable.choices)
    code = models.CharField("编码", max_length=40, help_text="如 E11.900、E11.9、E11")
    name = models.CharField("名称", max_length=300)
    name_en = models.CharField("英文名称", max_length=300, blank=True)
    name_pinyin = models.CharField("拼音", max_length=600, blank=True, editable=False)
    name_initials = models.CharField("拼音首字母", max_length=150, blank=True, editable=False)
    category_code = models.CharField(
        "类目代码", max_length=40, blank=True, help_text="ICD-10 为 3 位类目，如 E11"
    )
    category_name = models.CharField("类目名称", max_length=300, blank=True)
    source = models.CharField("来源", max_length=12, choices=CodeSource.choices)
    note = models.CharField("备注", max_length=500, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "诊断/手术操作编码"
        verbose_name_plural = "诊断/手术操作编码"
        ordering = ["kind", "code", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["kind", "code", "effective_from"], name="diagnosis_code_unique_per_edition"
            ),
        ]
        indexes = [
            # Prefix searches (LIKE 'E11%') need the pattern opclass under a non-C collation.
            models.Index("kind", OpClass("code", name="varchar_pattern_ops"), name="diagnosis_code_prefix"),
            models.Index(
                "kind", OpClass("name_initials", name="varchar_pattern_ops"), name="diagnosis_code_initials"
            ),
            # Chinese qualifiers come first (2型糖尿病, 未特指的糖尿病): name and pinyin are searched inside.
            GinIndex(OpClass("name", name="gin_trgm_ops"), name="diagnosis_code_name_trgm"),
            GinIndex(OpClass("name_initials", name="gin_trgm_ops"), name="diagnosis_code_initials_trgm"),
            GinIndex(OpClass("name_pinyin", name="gin_trgm_ops"), name="diagnosis_code_pinyin_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CodeTableImport(TrackedModel):
    """One import attempt of a code table: file digest, edition date and outcome.

    The same file for the same table and date again is answered from here and writes nothing.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", "已导入"
        REJECTED = "rejected", "有错误，未导入"

    kind = models.CharField("编码表", max_length=16, choices=CodeTable.choices)
    source = models.CharField("来源", max_length=12, choices=CodeSource.choices)
    effective_from = models.DateField("版本生效日期")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    row_count = models.PositiveIntegerField("行数", default=0)
    created_count = models.PositiveIntegerField("新增编码", default=0)
    updated_count = models.PositiveIntegerField("更新编码", default=0)
    unchanged_count = models.PositiveIntegerField("未变编码", default=0)
    removed_count = models.PositiveIntegerField(
        "删除编码", default=0, help_text="同一版本更正后文件中已无的编码"
    )
    closed_count = models.PositiveIntegerField("停用旧版编码", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)

    class Meta:
        verbose_name = "编码表导入"
        verbose_name_plural = "编码表导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.effective_from} {self.filename}（{self.get_outcome_display()}）"
        )


def _category_number(field: str) -> models.Expression:
    """SQL twin of rules.category_number: A00 → 0, B19 → 119 (the codes' format is checked first)."""
    letter = Func(Substr(field, 1, 1), function="ASCII", output_field=IntegerField())
    return (letter - Value(ord("A"))) * Value(100) + Cast(Substr(field, 2, 2), IntegerField())


class DatabaseOnlyExclusion(ExclusionConstraint):
    """An exclusion constraint that only the database checks: the model's clean() reports the same
    conflict with a message naming the other row, so full_clean() does not report it twice."""

    def validate(self, *args, **kwargs) -> None:
        return None


CATEGORY_CODE_FORMAT = r"^[A-Z][0-9]{2}$"


@track_history()
class DiseaseCategoryRange(TrackedModel, ValidityPeriodModel):
    """RX-2: ICD-10 categories code_from..code_to (inclusive) are one disease category, as of a date.

    A code matches by its first three characters; a code in no range is a general illness.
    A range in force is never edited (D4): close it and add a later one.
    """

    code_from = models.CharField("起始类目", max_length=3, help_text="3 位 ICD-10 类目，如 E10")
    code_to = models.CharField("终止类目（含）", max_length=3, help_text="3 位 ICD-10 类目，如 E14")
    category = models.CharField(
        "疾病类别", max_length=10, choices=[(c.value, c.label) for c in DiseaseCategory]
    )
    specified_disease = models.CharField(
        "特定病种名称",
        max_length=20,
        blank=True,
        help_text="特定病种必填（肝炎、结核病、精神病、恶性肿瘤、糖尿病、冠心病），处方上注明",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "疾病类别范围（RX-2）"
        verbose_name_plural = "疾病类别范围（RX-2）"
        ordering = ["code_from", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(code_from__regex=CATEGORY_CODE_FORMAT) & Q(code_to__regex=CATEGORY_CODE_FORMAT),
                name="diagnoses_range_codes_are_categories",
                violation_error_message="起止类目应为 3 位 ICD-10 类目，如 E10（RX-2）。",
            ),
            models.CheckConstraint(
                condition=Q(code_from__lte=F("code_to")),
                name="diagnoses_range_ordered",
                violation_error_message="起始类目不得大于终止类目（RX-2）。",
            ),
            models.CheckConstraint(
                condition=(Q(category=DiseaseCategory.SPECIFIED.value) & ~Q(specified_disease=""))
                | (~Q(category=DiseaseCategory.SPECIFIED.value) & Q(specified_disease="")),
                name="diagnoses_range_specified_has_disease",
                violation_error_message="特定病种须填写病种名称，其他类别不填（RX-2）。",
            ),
            # Two ranges valid on the same day never share a category (checked kindly by clean()).
            DatabaseOnlyExclusion(
                name="diagnoses_range_no_overlap",
                expressions=[
                    (
                        Func(
                            _category_number("code_from"),
                            _category_number("code_to"),
                            Value("[]"),
                            function="int4range",
                            output_field=IntegerRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(
                            "effective_from",
                            "effective_to",
                            Value("[)"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        disease = f" {self.specified_disease}" if self.specified_disease else ""
        return f"{self.as_rule_range().label} {self.get_category_display()}{disease}"

    def as_rule_range(self) -> CategoryRange:
        return CategoryRange(self.code_from, self.code_to, self.category, self.specified_disease)

    @property
    def in_use(self) -> bool:
        return self.pk is not None and self.effective_from <= timezone.localdate()

    def clean(self) -> None:
        self.code_from = normalise_code(self.code_from)
        self.code_to = normalise_code(self.code_to)
        self.specified_disease = self.specified_disease.strip()
        self._refuse_edit_in_use()
        self._refuse_overlap()

    def _refuse_edit_in_use(self) -> None:
        """D4: once in force, only closing the range (effective_to, not in the past) is allowed."""
        stored = type(self).objects.filter(pk=self.pk).first() if self.pk is not None else None
        if stored is None or not stored.in_use:
            return
        changed = [
            f.name
            for f in self._meta.concrete_fields
            if f.name not in {"effective_to", "updated_at", "updated_by"}
            and getattr(stored, f.attname) != getattr(self, f.attname)
        ]
        if changed:
            raise ValidationError(
                "已生效的疾病类别范围不得修改（RX-2），请设置失效日期后新增一个更晚生效的范围。"
            )
        closing = self.effective_to is not None and self.effective_to != stored.effective_to
        if closing and self.effective_to < timezone.localdate():
            raise ValidationError(
                {"effective_to": "失效日期不得早于今天：已开出的处方按当时的类别（RX-2）。"}
            )

    def _refuse_overlap(self) -> None:
        well_formed = all(re.match(CATEGORY_CODE_FORMAT, c) for c in (self.code_from, self.code_to))
        if not well_formed or self.code_from > self.code_to or self.effective_from is None:
            return  # the check constraints report it
        others = (
            type(self)
            .objects.filter(code_from__lte=self.code_to, code_to__gte=self.code_from)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=self.effective_from))
        )
        if self.effective_to is not None:
            others = others.filter(effective_from__lt=self.effective_to)
        if self.pk is not None:
            others = others.exclude(pk=self.pk)
        other = others.order_by("code_from", "effective_from").first()
        if other is not None:
            until = f"至 {other.effective_to}" if other.effective_to else "起长期有效"
            raise ValidationError(
                f"与已有范围 {other}（{other.effective_from} {until}）重叠："
                "同一日期每个类目只能属于一个类别（RX-2）。"
            )


@track_history()
class DiagnosisRestriction(TrackedModel, ValidityPeriodModel):
    """DRG-1: ICD-10 categories code_from..code_to (inclusive) that fit only one sex or an age window
    (in days), as of a date — P00–P96 newborns (≤ 28 days), O00–O99 women. Data, editable by admins as
    later-dated rows; admission refuses a diagnosis that breaks one and search ranks it last."""

    class Gender(models.TextChoices):
        ANY = "", "不限"
        MALE = "1", "男"
        FEMALE = "2", "女"

    code_from = models.CharField("起始类目", max_length=3, help_text="3 位 ICD-10 类目，如 P00")
    code_to = models.CharField("终止类目（含）", max_length=3, help_text="3 位 ICD-10 类目，如 P96")
    gender = models.CharField("仅限性别", max_length=1, choices=Gender.choices, blank=True, default="")
    min_age_days = models.PositiveIntegerField("最小年龄（天）", null=True, blank=True)
    max_age_days = models.PositiveIntegerField("最大年龄（天）", null=True, blank=True, help_text="新生儿 28")
    reason = models.CharField(
        "说明", max_length=100, help_text="如“新生儿疾病编码仅用于出生 28 天内的新生儿”"
    )

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "诊断适用性别年龄（DRG-1）"
        verbose_name_plural = "诊断适用性别年龄（DRG-1）"
        ordering = ["code_from", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(code_from__regex=CATEGORY_CODE_FORMAT) & Q(code_to__regex=CATEGORY_CODE_FORMAT),
                name="diagnoses_restriction_codes_are_categories",
                violation_error_message="起止类目应为 3 位 ICD-10 类目，如 P00（DRG-1）。",
            ),
            models.CheckConstraint(
                condition=Q(code_from__lte=F("code_to")),
                name="diagnoses_restriction_ordered",
                violation_error_message="起始类目不得大于终止类目（DRG-1）。",
            ),
            models.CheckConstraint(
                condition=~Q(gender="") | Q(min_age_days__isnull=False) | Q(max_age_days__isnull=False),
                name="diagnoses_restriction_restricts",
                violation_error_message="请至少填写性别或年龄限制（DRG-1）。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_from}–{self.code_to} {self.reason}"

    def as_rule(self) -> CodeRestriction:
        return CodeRestriction(
            self.code_from, self.code_to, self.gender, self.min_age_days, self.max_age_days, self.reason
        )
