"""Move today's lines of admission.ChargeLine and settlement.OutpatientCharge into fees.FeeLine
(issue 17 item 2), without loss: every row, its serial, amounts, dates, people and upload state.

What the old rows did not keep is filled in as the old code would have read it:
- inpatient lines: the person from the stay; the catalog terms (class-B share, payment standard,
  bureau price, restriction) from the catalog item of the line's national code in force on the line's
  date (the item's own share: SET-2 rows per person type are not reconstructed for past lines);
- outpatient lines: the line date is the visit's date, ordering/executing doctor and department the
  visit's; the class, share and payment standard they stored;
- the split: full self-pay = amount for a self-paid line; otherwise the stored over-limit part (the
  outpatient one computed from its payment standard), the class-B share of the rest, the remainder in
  scope — so the four parts add up to the amount as the table's constraint demands;
- self-pay reasons: 'restricted' → 'no_approval', the doctor's 'self_pay' → 'consented', an
  over-limit-only line → 'over_limit'; lines not yet sent keep what 2301/2204 will carry
  (hosp_appr_flag 2 for a fully self-paid line, an unmapped one is not sent at all).
The counts and sums are checked in tests/fees/test_migration.py.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

CENT = Decimal("0.01")
DEFAULT_B = Decimal("0.10")
FULL = {"after_notice", "no_approval", "rx7", "unmapped", "consented", "class_c", "fee6"}
REASONS = {"restricted": "no_approval", "self_pay": "consented"}


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _b_ratio(klass, ratio):
    """SET-2: class B without a share of its own takes the fallback the engine uses (0.10)."""
    return (ratio if ratio is not None else DEFAULT_B) if klass == "B" else ratio


def _split(amount, reason, klass, ratio, over):
    if reason in FULL:
        return amount, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
    payable = amount - over
    share = money(payable * ratio) if klass == "B" and ratio else Decimal("0.00")
    return Decimal("0.00"), over, share, payable - share


def _flag(reason, old, status):
    if status == "uploaded":
        return old  # what the center received
    if reason in FULL:
        return "2"
    return old or "0"


def _catalog(apps):
    """(code, day) → the catalog item in force: the latest version starting on or before the day."""
    CatalogItem = apps.get_model("drug_catalog", "CatalogItem")
    cache = {}

    def find(code, day):
        if not code:
            return None
        key = (code, day)
        if key not in cache:
            cache[key] = (
                CatalogItem.objects.filter(code=code, version__effective_from__lte=day)
                .order_by("-version__effective_from")
                .first()
            )
        return cache[key]

    return find


def move(apps, schema_editor):
    ChargeLine = apps.get_model("admission", "ChargeLine")
    OutpatientCharge = apps.get_model("settlement", "OutpatientCharge")
    FeeLine = apps.get_model("fees", "FeeLine")
    find = _catalog(apps)
    batch = []
    for c in (
        ChargeLine.objects.select_related("stay", "hospital_item").order_by("id").iterator(chunk_size=2000)
    ):
        item = find(c.med_list_codg, c.charged_on)
        reason = REASONS.get(c.self_pay_reason, c.self_pay_reason)
        if not reason and c.over_limit_amount:
            reason = "over_limit"
        ratio = _b_ratio(c.insurance_class, item.b_self_pay_ratio if item is not None else None)
        full, over, share, scope = _split(c.amount, reason, c.insurance_class, ratio, c.over_limit_amount)
        status = c.upload_status
        if reason == "unmapped" and status != "uploaded":
            status = "not_sent"
        batch.append(
            FeeLine(
                stay_id=c.stay_id,
                person_id=c.stay.person_id,
                feedetl_sn=c.feedetl_sn,
                init_feedetl_sn=c.init_feedetl_sn,
                order_id=c.order_id,
                hospital_item_id=c.hospital_item_id,
                name=c.hospital_item.name[:200],
                med_list_codg=c.med_list_codg,
                item_type=c.item_type,
                insurance_class=c.insurance_class,
                b_self_pay_ratio=ratio,
                price_cap=item.price_cap if item is not None else None,
                bureau_price=item.bureau_price if item is not None else None,
                restricted=bool(item is not None and (item.restricted or item.approval_required)),
                restriction_text=(item.restriction_text if item is not None else "")[:500],
                quantity=c.quantity,
                unit_price=c.unit_price,
                amount=c.amount,
                full_self_pay_amount=full,
                over_limit_amount=over,
                pre_self_pay_amount=share,
                in_scope_amount=scope,
                self_pay_reason=reason,
                hosp_appr_flag=_flag(reason, c.hosp_appr_flag, c.upload_status),
                charged_at=c.charged_at,
                charged_on=c.charged_on,
                ordering_department_id=c.ordering_department_id,
                ordering_doctor_id=c.ordering_doctor_id,
                executing_department_id=c.executing_department_id,
                executing_staff_id=c.executing_staff_id,
                discharge_medication=c.discharge_medication,
                tcmdrug_used_way=c.tcmdrug_used_way,
                external_lab=c.external_lab,
                refund_reason=c.refund_reason,
                upload_status=status,
                upload_message=c.upload_message,
                upload_msgid=c.upload_msgid,
                entered_by_id=c.entered_by_id,
            )
        )
        if len(batch) >= 2000:
            FeeLine.objects.bulk_create(batch)
            batch = []
    for o in OutpatientCharge.objects.select_related("visit", "prescription_item", "hospital_item").order_by(
        "id"
    ):
        if o.hospital_item_id is None:
            raise RuntimeError(f"门诊费用 {o.feedetl_sn} 没有院内项目，无法迁移；请先补全对照后再迁移。")
        reason = REASONS.get(o.self_pay_reason, o.self_pay_reason)
        over = Decimal("0.00")
        if o.price_cap is not None and o.unit_price > o.price_cap:
            over = money((o.unit_price - o.price_cap) * o.quantity)
        if not reason and over:
            reason = "over_limit"
        ratio = _b_ratio(o.insurance_class, o.b_self_pay_ratio)
        full, over, share, scope = _split(o.amount, reason, o.insurance_class, ratio, over)
        status = "uploaded" if o.uploaded else ("not_sent" if reason == "unmapped" else "pending")
        visit = o.visit
        item = find(o.med_list_codg, visit.visit_date)
        batch.append(
            FeeLine(
                visit_id=o.visit_id,
                person_id=visit.person_id,
                feedetl_sn=o.feedetl_sn,
                prescription_item_id=o.prescription_item_id,
                hospital_item_id=o.hospital_item_id,
                name=o.name,
                med_list_codg=o.med_list_codg,
                item_type=(
                    o.prescription_item.item_type
                    if o.prescription_item_id
                    else (item.item_type if item is not None else "unmapped")
                ),
                insurance_class=o.insurance_class,
                b_self_pay_ratio=ratio,
                price_cap=o.price_cap,
                bureau_price=item.bureau_price if item is not None else None,
                restricted=bool(item is not None and (item.restricted or item.approval_required)),
                restriction_text=(item.restriction_text if item is not None else "")[:500],
                quantity=o.quantity,
                unit_price=o.unit_price,
                amount=o.amount,
                full_self_pay_amount=full,
                over_limit_amount=over,
                pre_self_pay_amount=share,
                in_scope_amount=scope,
                self_pay_reason=reason,
                hosp_appr_flag=_flag(reason, "", status),
                charged_at=o.charged_at,
                charged_on=visit.visit_date,
                ordering_department_id=visit.department_id,
                ordering_doctor_id=visit.doctor_id,
                executing_department_id=visit.department_id,
                upload_status=status,
                upload_msgid=o.upload_msgid,
            )
        )
    FeeLine.objects.bulk_create(batch)
    # entered_at is auto_now_add: give back the old entry times
    schema_editor.execute(
        "UPDATE fees_feeline f SET entered_at = c.entered_at FROM admission_chargeline c "
        "WHERE c.feedetl_sn = f.feedetl_sn AND c.charged_on = f.charged_on AND f.stay_id IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("fees", "0001_fee_line_table"),
        ("admission", "0007_fee3_daily_item_groups"),
        ("settlement", "0009_seed_fund_pay_types"),
        ("drug_catalog", "0004_catalog_import_attempts"),
        ("prescriptions", "0005_profile_event_labels"),
    ]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]
