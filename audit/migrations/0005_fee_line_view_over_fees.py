"""`audit_fee_line` over the one fee-line table (issue 17): the same columns as before, so every audit
rule keeps working. Billed lines only: a line's refunds (counter-lines, partial and repeated) are netted
into its quantity and amounts, a fully refunded line and the counter-lines themselves are left out, and
so are cancelled stays and visits. The refunds are read as one small grouped set per statement (hashed),
not as a correlated sub-query per line."""

from django.db import migrations

VIEW = """
DROP VIEW IF EXISTS audit_fee_line;
CREATE VIEW audit_fee_line AS
SELECT CASE WHEN f.stay_id IS NOT NULL THEN 'I' ELSE 'O' END::text AS kind, f.id AS line_id,
       CASE WHEN f.stay_id IS NOT NULL THEN 'I' ELSE 'O' END || f.id AS line_key, f.feedetl_sn,
       f.stay_id, f.visit_id, coalesce(f.stay_id, f.visit_id) AS encounter_id, f.person_id,
       f.charged_at, f.charged_on, f.ordering_department_id AS department_id,
       f.ordering_doctor_id AS doctor_id, f.hospital_item_id, f.name AS item_name, f.med_list_codg,
       f.item_type, f.insurance_class, f.quantity + coalesce(r.quantity, 0) AS quantity, f.unit_price,
       f.amount + coalesce(r.amount, 0) AS amount,
       f.over_limit_amount + coalesce(r.over_limit_amount, 0) AS over_limit_amount,
       (f.self_pay_reason NOT IN ('', 'over_limit')) AS self_pay, f.order_id, f.hosp_appr_flag,
       f.entered_by_id
FROM fees_feeline f
LEFT JOIN admission_stay s ON s.id = f.stay_id
LEFT JOIN settlement_outpatientvisit v ON v.id = f.visit_id
LEFT JOIN (
    SELECT init_feedetl_sn, sum(quantity) AS quantity, sum(amount) AS amount,
           sum(over_limit_amount) AS over_limit_amount
    FROM fees_feeline WHERE init_feedetl_sn <> '' GROUP BY init_feedetl_sn
) r ON r.init_feedetl_sn = f.feedetl_sn
WHERE f.quantity > 0 AND coalesce(s.status, v.status) <> 'cancelled'
  AND f.quantity + coalesce(r.quantity, 0) > 0
"""


def _old_view() -> str:
    import importlib

    return (
        "DROP VIEW IF EXISTS audit_fee_line;"
        + importlib.import_module("audit.migrations.0002_fee_line_view_and_seed").VIEW
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_seed_pattern_rules"),
        ("fees", "0002_move_charge_lines"),
    ]

    operations = [migrations.RunSQL(VIEW, _old_view())]
