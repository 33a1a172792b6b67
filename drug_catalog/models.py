"""The insurance catalog (三目录: drugs, service items, consumables/facilities), versioned per region.

Every lookup is "as of" a date: the version of the care region's catalog valid then (REM-7).
Limits used by the prescription rules (RX-1..RX-8, FEE-1, FEE-6) are columns here, i.e. data.
"""

import datetime
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q

from core.models import TrackedModel, ValidityPeriodModel, track_history


def name_bigrams() -> models.Func:
    """Every two-character piece of an item's name (SQL function from migration 0003). Its GIN index
    answers `name LIKE '%感冒%'` for two-character queries, which trigrams cannot serve."""
    return models.Func(
        models.F("name"), function="catalog_name_bigrams", output_field=ArrayField(models.TextField())
    )


class ItemType(models.TextChoices):
    WESTERN_DRUG = "western", "西药"
    PATENT_DRUG = "patent", "中成药"
    HERBAL_PIECE = "herbal", "中药饮片"
    SERVICE = "service", "医疗服务项目"
    CONSUMABLE = "consumable", "医用耗材"
    FACILITY = "facility", "服务设施"


class InsuranceClass(models.TextChoices):
    A = "A", "甲类"
    B = "B", "乙类"
    C = "C", "丙类"


@track_history()
class CatalogVersion(TrackedModel, ValidityPeriodModel):
    """One published catalog of a region (e.g. 陕西省 2026 版), valid for a period."""

    region = models.CharField("目录所属区划", max_length=6, help_text="就医地目录：省级如 610000")
    code = models.CharField("版本号", max_length=40)
    name = models.CharField("名称", max_length=100)
    item_count = models.PositiveIntegerField("条目数", default=0)
    source_sha256 = models.CharField("导入文件摘要", max_length=64, blank=True)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "目录版本"
        verbose_name_plural = "目录版本"
        ordering = ["region", "-effective_from"]
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.UniqueConstraint(fields=["region", "code"], name="catalog_version_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.region} {self.code}）"


# Statement-level history triggers: an import of 100,000 items writes its 100,000 insert events with
# one INSERT … SELECT from the statement's transition table instead of 100,000 row-trigger calls
# (70 of the 86 s the benchmark spent). Every insert and every real change still has its event,
# with the same columns and context, so an admin's later edit diffs against the imported row.
@track_history(exclude=["name_pinyin", "name_initials"], level=pgtrigger.Statement)
class CatalogItem(TrackedModel):
    version = models.ForeignKey(
        CatalogVersion, verbose_name="目录版本", on_delete=models.PROTECT, related_name="items"
    )
    # Codes and pinyin initials are ASCII keys: byte order ("C") lets one b-tree serve both the
    # prefix LIKE and the ORDER BY of a search, so it stops after the first 20 rows.
    code = models.CharField("医保目录编码", max_length=50, help_text="med_list_codg", db_collation="C")
    name = models.CharField("名称", max_length=200)
    generic_name = models.CharField("通用名", max_length=200, blank=True)
    name_pinyin = models.CharField("拼音", max_length=400, blank=True, editable=False)
    name_initials = models.CharField(
        "拼音首字母", max_length=100, blank=True, editable=False, db_collation="C"
    )
    item_type = models.CharField("类别", max_length=12, choices=ItemType.choices)
    dosage_form = models.CharField("剂型", max_length=40, blank=True)
    specification = models.CharField("规格", max_length=100, blank=True)
    pack_size = models.DecimalField(
        "包装数量",
        max_digits=10,
        decimal_places=2,
        default=Decimal("1"),
        help_text="每包装含最小单位数，如 24（片）",
    )
    unit = models.CharField("包装单位", max_length=10, default="盒")
    min_unit = models.CharField("最小单位", max_length=10, blank=True, help_text="如 片、粒、支")
    insurance_class = models.CharField("医保类别", max_length=1, choices=InsuranceClass.choices)
    b_self_pay_ratio = models.DecimalField(
        "乙类先行自付比例（默认）", max_digits=5, decimal_places=4, null=True, blank=True
    )
    price_cap = models.DecimalField(
        "医保支付标准",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="pric_uplmt_amt：超出部分自付（FEE-1）",
    )
    bureau_price = models.DecimalField(
        "物价部门核定价格",
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="服务项目：超出即超标准收费，不得收取（FEE-1）",
    )
    restricted = models.BooleanField("限定支付范围", default=False)
    restriction_text = models.CharField("限定支付范围说明", max_length=500, blank=True)
    approval_required = models.BooleanField("须审批", default=False, help_text="RX-6 蛋白类制品等")
    approval_valid_days = models.PositiveSmallIntegerField("审批有效天数", null=True, blank=True)
    outpatient_self_pay = models.BooleanField("门诊自费", default=False, help_text="RX-7 营养类药品")
    herbal_daily_dose_limit = models.DecimalField(
        "饮片日剂量上限（克）", max_digits=8, decimal_places=2, null=True, blank=True
    )
    single_herb_self_pay = models.BooleanField("单味使用不予支付", default=False, help_text="RX-8")
    max_quantity = models.DecimalField("单次最大数量", max_digits=10, decimal_places=2, null=True, blank=True)
    max_days = models.PositiveSmallIntegerField("最大天数", null=True, blank=True)
    sex_limit = models.CharField(
        "性别限制", max_length=1, blank=True, choices=[("1", "限男性"), ("2", "限女性")]
    )
    age_min = models.PositiveSmallIntegerField("最小年龄", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("最大年龄", null=True, blank=True)
    min_hospital_tier = models.PositiveSmallIntegerField("最低医院等级", null=True, blank=True)
    non_payable = models.BooleanField("基金不予支付", default=False, help_text="FEE-6")

    class Meta:
        verbose_name = "目录条目"
        verbose_name_plural = "目录条目"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalog_item_unique_code_per_version"),
            models.CheckConstraint(condition=Q(pack_size__gt=0), name="catalog_item_pack_size_positive"),
            models.CheckConstraint(
                condition=Q(b_self_pay_ratio__isnull=True)
                | Q(b_self_pay_ratio__gte=0, b_self_pay_ratio__lte=1),
                name="catalog_item_b_ratio_0_1",
            ),
            models.CheckConstraint(
                condition=Q(price_cap__isnull=True)
                | Q(bureau_price__isnull=True)
                | Q(price_cap__lte=models.F("bureau_price")),
                name="catalog_item_cap_within_bureau_price",
                violation_error_message="医保支付标准不应高于物价部门核定价格（FEE-1）。",
            ),
        ]
        indexes = [
            # Code prefix: the unique (version, code) index. Initials prefix, in result order:
            models.Index(fields=["version", "name_initials", "code"], name="catalog_item_initials"),
            # Contains (and Chinese prefix): trigrams for three characters and more, bigrams for two.
            GinIndex(OpClass("name", name="gin_trgm_ops"), name="catalog_item_name_trgm"),
            GinIndex(name_bigrams(), name="catalog_item_name_bigrams"),
            GinIndex(OpClass("name_pinyin", name="gin_trgm_ops"), name="catalog_item_pinyin_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} {self.specification}"

    def save(self, *args, **kwargs):
        self.name_pinyin, self.name_initials = self.search_keys(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def search_keys(name: str) -> tuple[str, str]:
        """Full pinyin and initials of a name, cut to their columns (a long name has a longer pinyin)."""
        from core.text import name_keys

        pinyin, initials = name_keys(name)
        return pinyin[:400], initials[:100]


class BSelfPayRatio(ValidityPeriodModel):
    """SET-2: class B's self-pay share by item × insurance type × person type (blank = any), dated."""

    item = models.ForeignKey(
        CatalogItem, verbose_name="目录条目", on_delete=models.CASCADE, related_name="b_ratios"
    )
    insutype = models.CharField("险种", max_length=6, blank=True)
    psn_type = models.CharField("人员类别", max_length=6, blank=True)
    ratio = models.DecimalField("先行自付比例", max_digits=5, decimal_places=4)

    class Meta(ValidityPeriodModel.Meta):
        verbose_name = "乙类先行自付比例"
        verbose_name_plural = "乙类先行自付比例"
        constraints = [
            *ValidityPeriodModel.Meta.constraints,
            models.CheckConstraint(condition=Q(ratio__gte=0, ratio__lte=1), name="catalog_bratio_0_1"),
            models.UniqueConstraint(
                fields=["item", "insutype", "psn_type", "effective_from"], name="catalog_bratio_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.insutype or '*'}/{self.psn_type or '*'} {self.ratio}"


@track_history()
class HospitalItem(TrackedModel):
    """目录对照: a hospital charge code mapped to one national item. Until the center approves the
    mapping (unmapped, pending, rejected) the item is full self-pay (FEE-1)."""

    class MappingStatus(models.TextChoices):
        UNMAPPED = "unmapped", "未对照"
        PENDING = "pending", "待中心审核"
        APPROVED = "approved", "中心已审核"
        REJECTED = "rejected", "中心已拒绝"

    # The only status changes; one service each (drug_catalog.services.hospital_item_*).
    TRANSITIONS = {
        MappingStatus.UNMAPPED: {MappingStatus.PENDING},
        MappingStatus.PENDING: {MappingStatus.PENDING, MappingStatus.APPROVED, MappingStatus.REJECTED},
        MappingStatus.REJECTED: {MappingStatus.PENDING},
        MappingStatus.APPROVED: {MappingStatus.PENDING},  # a new mapping needs a new approval
    }

    medins_list_codg = models.CharField("医院项目编码", max_length=150, unique=True)
    name = models.CharField("医院项目名称", max_length=200)
    specification = models.CharField("规格", max_length=100, blank=True)
    price = models.DecimalField("院内价格", max_digits=14, decimal_places=4)
    med_list_codg = models.CharField("对照医保目录编码", max_length=50, blank=True)
    mapping_status = models.CharField(
        "对照状态", max_length=10, choices=MappingStatus.choices, default=MappingStatus.UNMAPPED
    )
    mapped_from = models.DateField("对照生效日期", null=True, blank=True)
    mapped_to = models.DateField("对照失效日期", null=True, blank=True, help_text="不含当日")
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="对照人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mapped_at = models.DateTimeField("对照时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核结果登记人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核结果登记时间", null=True, blank=True)
    reject_reason = models.CharField("拒绝原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "医院项目对照"
        verbose_name_plural = "医院项目对照"
        ordering = ["medins_list_codg"]
        indexes = [models.Index(fields=["mapping_status", "medins_list_codg"], name="hospital_item_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mapping_status="unmapped") | ~Q(med_list_codg=""),
                name="hospital_item_mapped_has_code",
            ),
            models.CheckConstraint(
                condition=~Q(mapping_status="approved") | Q(mapped_from__isnull=False),
                name="hospital_item_approved_has_start",
                violation_error_message="审核通过须有对照生效日期。",
            ),
            models.CheckConstraint(
                condition=~Q(mapping_status="rejected") | ~Q(reject_reason=""),
                name="hospital_item_rejected_has_reason",
                violation_error_message="拒绝须填写原因。",
            ),
            models.CheckConstraint(
                condition=Q(mapped_to__isnull=True) | Q(mapped_to__gt=models.F("mapped_from")),
                name="hospital_item_mapping_period_valid",
                violation_error_message="对照失效日期必须晚于生效日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medins_list_codg} {self.name}"

    @property
    def fund_payable(self) -> bool:
        """FEE-1: only an approved mapping lets the fund pay; otherwise the item is full self-pay."""
        return self.mapping_status == self.MappingStatus.APPROVED

    def fund_payable_on(self, on_date: datetime.date) -> bool:
        """FEE-1 on a date of care: approved, and the approval's period covers the date."""
        return (
            self.fund_payable
            and self.mapped_from is not None
            and self.mapped_from <= on_date
            and (self.mapped_to is None or on_date < self.mapped_to)
        )

    @property
    def self_pay_reason(self) -> str:
        """Why the item is full self-pay, in the words the office and the window use ("" if it is not)."""
        return {
            self.MappingStatus.UNMAPPED: "未对照，全自费",
            self.MappingStatus.PENDING: "待中心审核，审核通过前全自费",
            self.MappingStatus.REJECTED: "中心已拒绝，全自费",
        }.get(self.mapping_status, "")


class CatalogImport(TrackedModel):
    """One catalog import attempt — refused files included — with its outcome and row report. A large
    file waits here (content) for the Celery task that applies it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        APPLIED = "applied", "已导入"
        UNCHANGED = "unchanged", "与上次相同"
        REJECTED = "rejected", "有错误，未导入"

    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    region = models.CharField("目录区划", max_length=6, blank=True)
    version_code = models.CharField("版本号", max_length=40, blank=True)
    version_name = models.CharField("名称", max_length=100, blank=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    row_count = models.PositiveIntegerField("行数", default=0)
    items_created = models.PositiveIntegerField("新增", default=0)
    items_updated = models.PositiveIntegerField("修改", default=0)
    items_unchanged = models.PositiveIntegerField("未变化", default=0)
    items_kept = models.PositiveIntegerField("不在文件中", default=0)
    error_count = models.PositiveIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    content = models.BinaryField("文件内容", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "目录导入记录"
        verbose_name_plural = "目录导入记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} {self.get_outcome_display()}"
