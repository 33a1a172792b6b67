"""One fee-line table for stays and outpatient visits (issue 17)."""

from decimal import Decimal

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("admission", "0007_fee3_daily_item_groups"),
        ("drug_catalog", "0004_catalog_import_attempts"),
        ("hospital", "0002_practitioner_ward"),
        ("insured", "0004_roster_import_queue"),
        ("prescriptions", "0005_profile_event_labels"),
        ("settlement", "0009_seed_fund_pay_types"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FeeLine",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("feedetl_sn", models.CharField(max_length=30, verbose_name="费用明细流水号")),
                (
                    "init_feedetl_sn",
                    models.CharField(blank=True, max_length=30, verbose_name="原费用流水号（退费）"),
                ),
                ("name", models.CharField(max_length=200, verbose_name="名称")),
                (
                    "med_list_codg",
                    models.CharField(
                        blank=True, help_text="未对照时为空", max_length=50, verbose_name="医保目录编码"
                    ),
                ),
                ("item_type", models.CharField(max_length=12, verbose_name="类别")),
                ("insurance_class", models.CharField(blank=True, max_length=1, verbose_name="医保类别")),
                (
                    "b_self_pay_ratio",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        help_text="SET-2，按本人险种与人员类别",
                        max_digits=5,
                        null=True,
                        verbose_name="乙类先行自付比例",
                    ),
                ),
                (
                    "price_cap",
                    models.DecimalField(
                        blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="医保支付标准"
                    ),
                ),
                (
                    "bureau_price",
                    models.DecimalField(
                        blank=True, decimal_places=4, max_digits=14, null=True, verbose_name="物价核定价格"
                    ),
                ),
                ("restricted", models.BooleanField(default=False, verbose_name="限定支付/须审批")),
                (
                    "restriction_text",
                    models.CharField(blank=True, max_length=500, verbose_name="限定支付范围"),
                ),
                ("quantity", models.DecimalField(decimal_places=4, max_digits=12, verbose_name="数量")),
                ("unit_price", models.DecimalField(decimal_places=4, max_digits=14, verbose_name="单价")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="金额")),
                (
                    "full_self_pay_amount",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=14, verbose_name="全自费"
                    ),
                ),
                (
                    "over_limit_amount",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=14, verbose_name="超限价自费"
                    ),
                ),
                (
                    "pre_self_pay_amount",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=14, verbose_name="乙类先行自付"
                    ),
                ),
                (
                    "in_scope_amount",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=14, verbose_name="符合范围"
                    ),
                ),
                (
                    "self_pay_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("after_notice", "出院通知后费用（ADM-10）"),
                            ("no_approval", "限定支付/须审批项目未审批（RX-5/RX-6）"),
                            ("rx7", "门诊营养类药品（RX-7）"),
                            ("unmapped", "未对照医保目录，不上传、患者自付（FEE-1）"),
                            ("consented", "患者签字同意自费（FEE-4）"),
                            ("class_c", "丙类（SET-2）"),
                            ("fee6", "基金不予支付（FEE-6）"),
                            ("over_limit", "超医保支付标准部分自付（FEE-1）"),
                        ],
                        max_length=20,
                        verbose_name="自费原因",
                    ),
                ),
                (
                    "hosp_appr_flag",
                    models.CharField(
                        blank=True,
                        help_text="0 无须审批 1 审批通过 2 审批不通过（患者全自费）",
                        max_length=1,
                        verbose_name="医院审批标志",
                    ),
                ),
                ("charged_at", models.DateTimeField(verbose_name="费用发生时间")),
                ("charged_on", models.DateField(verbose_name="费用日期")),
                ("discharge_medication", models.BooleanField(default=False, verbose_name="出院带药")),
                (
                    "tcmdrug_used_way",
                    models.CharField(
                        blank=True, help_text="1 复方 2 单方", max_length=1, verbose_name="中药使用方式"
                    ),
                ),
                ("external_lab", models.BooleanField(default=False, verbose_name="外检")),
                ("refund_reason", models.CharField(blank=True, max_length=200, verbose_name="退费原因")),
                (
                    "upload_status",
                    models.CharField(
                        choices=[
                            ("pending", "未上传"),
                            ("uploaded", "已上传"),
                            ("rejected", "中心退回"),
                            ("not_sent", "不上传（未对照，患者自付）"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="上传状态",
                    ),
                ),
                ("upload_message", models.CharField(blank=True, max_length=200, verbose_name="中心信息")),
                (
                    "upload_msgid",
                    models.CharField(
                        blank=True,
                        help_text="已发送、待中心确认的报文",
                        max_length=30,
                        verbose_name="上传报文ID",
                    ),
                ),
                (
                    "center_class",
                    models.CharField(
                        blank=True,
                        help_text="chrgitm_lv 01 甲 02 乙 03 丙",
                        max_length=3,
                        verbose_name="中心收费项目等级",
                    ),
                ),
                (
                    "center_selfpay_prop",
                    models.DecimalField(
                        blank=True, decimal_places=4, max_digits=5, null=True, verbose_name="中心自付比例"
                    ),
                ),
                (
                    "center_pric_uplmt_amt",
                    models.DecimalField(
                        blank=True, decimal_places=6, max_digits=16, null=True, verbose_name="中心定价上限"
                    ),
                ),
                (
                    "center_fulamt_ownpay_amt",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="中心全自费"
                    ),
                ),
                (
                    "center_overlmt_amt",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="中心超限价"
                    ),
                ),
                (
                    "center_preselfpay_amt",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="中心先行自付"
                    ),
                ),
                (
                    "center_inscp_scp_amt",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="中心符合范围"
                    ),
                ),
                ("center_memo", models.CharField(blank=True, max_length=200, verbose_name="中心备注")),
                ("entered_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                (
                    "entered_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="录入人",
                    ),
                ),
                (
                    "executing_department",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hospital.department",
                        verbose_name="执行科室",
                    ),
                ),
                (
                    "executing_staff",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hospital.practitioner",
                        verbose_name="执行人",
                    ),
                ),
                (
                    "hospital_item",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="drug_catalog.hospitalitem",
                        verbose_name="院内项目",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="charges",
                        to="admission.order",
                        verbose_name="医嘱",
                    ),
                ),
                (
                    "ordering_department",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hospital.department",
                        verbose_name="开单科室",
                    ),
                ),
                (
                    "ordering_doctor",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hospital.practitioner",
                        verbose_name="开单医师",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="insured.insuredperson",
                        verbose_name="参保人",
                    ),
                ),
                (
                    "prescription_item",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="prescriptions.prescriptionitem",
                        verbose_name="处方明细",
                    ),
                ),
                (
                    "settlement",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fee_lines",
                        to="settlement.settlement",
                        verbose_name="结算",
                    ),
                ),
                (
                    "stay",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="charges",
                        to="admission.stay",
                        verbose_name="住院",
                    ),
                ),
                (
                    "visit",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="charges",
                        to="settlement.outpatientvisit",
                        verbose_name="门诊就诊",
                    ),
                ),
            ],
            options={
                "verbose_name": "费用明细",
                "verbose_name_plural": "费用明细",
                "ordering": ["charged_at", "id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("stay__isnull", False)),
                        fields=["stay", "charged_on"],
                        name="feeline_stay_day",
                    ),
                    models.Index(
                        condition=models.Q(("visit__isnull", False)),
                        fields=["visit", "charged_on"],
                        name="feeline_visit_day",
                    ),
                    models.Index(fields=["ordering_doctor", "charged_on"], name="feeline_doctor_day"),
                    models.Index(fields=["hospital_item", "charged_on"], name="feeline_item_day"),
                    models.Index(fields=["person", "charged_on"], name="feeline_person_day"),
                    models.Index(fields=["charged_on", "med_list_codg"], name="feeline_day_code"),
                    models.Index(
                        condition=models.Q(("order__isnull", False)), fields=["order"], name="feeline_order"
                    ),
                    models.Index(
                        condition=models.Q(("init_feedetl_sn", ""), _negated=True),
                        fields=["init_feedetl_sn"],
                        name="feeline_refunds",
                    ),
                    models.Index(
                        condition=models.Q(("settlement__isnull", False)),
                        fields=["settlement"],
                        name="feeline_settlement",
                    ),
                    models.Index(
                        condition=models.Q(("upload_status__in", ["pending", "rejected"])),
                        fields=["upload_status", "stay", "visit"],
                        name="feeline_upload",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("stay__isnull", False), ("visit__isnull", True)),
                            models.Q(("stay__isnull", True), ("visit__isnull", False)),
                            _connector="OR",
                        ),
                        name="feeline_stay_xor_visit",
                        violation_error_message="费用须属于一次住院或一次门诊，且只属于其一。",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("quantity", 0), _negated=True), name="feeline_quantity_nonzero"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("quantity__gt", 0), ("init_feedetl_sn", "")),
                            models.Q(("quantity__lt", 0), models.Q(("init_feedetl_sn", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="feeline_refund_points_at_original",
                        violation_error_message="退费行须为负数并指向原费用流水号。",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("unit_price__gte", 0)), name="feeline_price_not_negative"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "amount",
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        django.db.models.expressions.CombinedExpression(
                                            models.F("full_self_pay_amount"),
                                            "+",
                                            models.F("over_limit_amount"),
                                        ),
                                        "+",
                                        models.F("pre_self_pay_amount"),
                                    ),
                                    "+",
                                    models.F("in_scope_amount"),
                                ),
                            )
                        ),
                        name="feeline_split_adds_up",
                        violation_error_message="全自费、超限价、先行自付与符合范围之和须等于金额。",
                    ),
                    models.UniqueConstraint(fields=("feedetl_sn", "charged_on"), name="feeline_sn_day"),
                    models.UniqueConstraint(
                        condition=models.Q(("order__isnull", False), ("quantity__gt", 0)),
                        fields=("order", "hospital_item", "charged_at", "charged_on"),
                        name="feeline_no_duplicate",
                        violation_error_message="同一医嘱同一项目同一时间已计费（重复收费）。",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PlausibilityBound",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="创建时间"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "item_type",
                    models.CharField(
                        help_text="western/patent/herbal/service/consumable/facility/unmapped",
                        max_length=12,
                        unique=True,
                        verbose_name="项目类别",
                    ),
                ),
                (
                    "max_quantity_per_line",
                    models.DecimalField(decimal_places=4, max_digits=12, verbose_name="单行最大数量"),
                ),
                (
                    "max_quantity_per_day",
                    models.DecimalField(decimal_places=4, max_digits=12, verbose_name="每日最大数量"),
                ),
                (
                    "min_unit_price",
                    models.DecimalField(decimal_places=4, max_digits=14, verbose_name="最低单价"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="创建人",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="更新人",
                    ),
                ),
            ],
            options={
                "verbose_name": "费用合理性界限",
                "verbose_name_plural": "费用合理性界限",
                "ordering": ["item_type"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("max_quantity_per_line__gt", 0),
                            ("max_quantity_per_day__gte", models.F("max_quantity_per_line")),
                            ("min_unit_price__gte", 0),
                        ),
                        name="plausibility_bounds_ordered",
                        violation_error_message="每日最大数量不得小于单行最大数量，最低单价不得为负。",
                    )
                ],
            },
        ),
    ]
