"""The hospital's own structure: departments, wards, beds and practitioners.

Every center message and the audit engine identify departments and doctors by their
insurance codes (医保科室代码, 医保医师代码), so those codes live here.
"""

from django.conf import settings
from django.db import models

from core.models import TrackedModel, track_history


@track_history()
class Department(TrackedModel):
    class Kind(models.TextChoices):
        CLINICAL = "clinical", "临床科室"
        MEDICAL_TECH = "medtech", "医技科室"
        ADMINISTRATIVE = "admin", "职能科室"

    code = models.CharField("科室编码", max_length=20, unique=True)
    name = models.CharField("科室名称", max_length=50)
    insurance_code = models.CharField(
        "医保科室代码", max_length=30, unique=True, help_text="hosp_dept_codg，中心报文使用"
    )
    category_code = models.CharField(
        "科别代码", max_length=10, help_text="国家科别代码 caty，如 A03 内科、A04 外科"
    )
    kind = models.CharField("科室类型", max_length=10, choices=Kind.choices, default=Kind.CLINICAL)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "科室"
        verbose_name_plural = "科室"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@track_history()
class Ward(TrackedModel):
    code = models.CharField("病区编码", max_length=20, unique=True)
    name = models.CharField("病区名称", max_length=50)
    department = models.ForeignKey(
        Department, verbose_name="所属科室", on_delete=models.PROTECT, related_name="wards"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "病区"
        verbose_name_plural = "病区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@track_history()
class Bed(TrackedModel):
    """A bed. Occupancy (one active patient per bed, ADM-5) is held by the admission app."""

    ward = models.ForeignKey(Ward, verbose_name="病区", on_delete=models.PROTECT, related_name="beds")
    number = models.CharField("床号", max_length=10)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "床位"
        verbose_name_plural = "床位"
        ordering = ["ward__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "number"], name="hospital_bed_unique_number_per_ward")
        ]

    def __str__(self) -> str:
        return f"{self.ward.name} {self.number}床"


@track_history()
class Practitioner(TrackedModel):
    """A doctor or nurse, with the insurance practitioner code the center knows them by."""

    class Kind(models.TextChoices):
        DOCTOR = "doctor", "医师"
        NURSE = "nurse", "护士"
        PHARMACIST = "pharmacist", "药师"
        TECHNICIAN = "technician", "技师"

    class Title(models.TextChoices):
        CHIEF = "chief", "主任医师"
        ASSOCIATE_CHIEF = "associate_chief", "副主任医师"
        ATTENDING = "attending", "主治医师"
        RESIDENT = "resident", "住院医师"
        HEAD_NURSE = "head_nurse", "主管护师"
        NURSE = "nurse", "护师"
        OTHER = "other", "其他"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practitioner",
    )
    staff_no = models.CharField("工号", max_length=20, unique=True)
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    title = models.CharField("职称", max_length=20, choices=Title.choices, default=Title.OTHER)
    insurance_code = models.CharField(
        "医保医师/护士代码", max_length=30, unique=True, help_text="如 D610103012345，中心报文与审核引擎使用"
    )
    department = models.ForeignKey(
        Department, verbose_name="科室", on_delete=models.PROTECT, related_name="practitioners"
    )
    ward = models.ForeignKey(
        Ward,
        verbose_name="所属病区",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="practitioners",
        help_text="护士只能处理本病区的住院患者；未填时为本科室的全部病区",
    )
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "医护人员"
        verbose_name_plural = "医护人员"
        ordering = ["staff_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_title_display()}）"
