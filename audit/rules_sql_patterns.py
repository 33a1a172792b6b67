"""Set-based SQL for the audit rules that compare records with each other rather than judge one line
(AUD-3): orders without charges (FEE-2), admissions clustered in time, near-identical reimbursements
across patients, pharmacy stock against charges, and lab/exam positive rates (FEE-5).

Same contract as audit/rules_sql.py: the named parameters `start`/`end`/`stay`/`visit`/`p`/`region`
(plus `tier`, the hospital's tier), the same ten columns, hits anchored in [start, end]. Fee lines are
read only through the view `audit_fee_line` and only by its columns (stay_id, order_id, hospital_item_id,
feedetl_sn, charged_on, quantity, unit_price, amount, med_list_codg, department_id, line_key, line_id).
Rules about a department, an item or a month have no per-stay form: with a stay or visit they answer
nothing, except ADM-CLUSTER, whose in-process form answers the clusters the stay belongs to.
"""

from __future__ import annotations

from audit.rules_sql import PERIOD, STAY_SCOPE, TZ, local_days

# FEE-2 (second half): orders with no charge at all when the stay is discharged ("no item without
# charge"). An order stopped within `grace_hours` of being written was a correction, not an omission.
# Anchored on the discharge day. p = {"grace_hours": 1}
FEE_2_ORDER = f"""
WITH st AS (
  SELECT s.id, s.ipt_no, s.person_id, s.department_id, s.attending_doctor_id,
         (s.discharged_at AT TIME ZONE {TZ})::date AS day
  FROM admission_stay s
  WHERE s.discharged_at IS NOT NULL AND s.status <> 'cancelled'
    AND {local_days("s.discharged_at")}
    AND {STAY_SCOPE.format(alias="s")}
)
SELECT 'FEE-2-ORDER:' || st.id, st.day, st.id, NULL::bigint, st.person_id, st.department_id,
       st.attending_doctor_id, 0::numeric,
       format('FEE-2 有医嘱无收费：住院 %%s 出院时有 %%s 条医嘱无对应收费（%%s），医嘱与收费不符。',
              st.ipt_no, o.n, left(o.names, 300)),
       jsonb_build_object('stays', jsonb_build_array(st.id), 'orders', o.orders)
FROM st
JOIN LATERAL (
  SELECT count(*) AS n, jsonb_agg(o.id ORDER BY o.ordered_at, o.id) AS orders,
         string_agg(o.drord_no || ' ' || o.content, '、' ORDER BY o.ordered_at, o.id) AS names
  FROM admission_order o
  WHERE o.stay_id = st.id AND o.status <> 'cancelled'
    AND (o.stopped_at IS NULL
         OR o.stopped_at > o.ordered_at + make_interval(hours => (%(p)s::jsonb ->> 'grace_hours')::int))
    AND NOT EXISTS (SELECT 1 FROM audit_fee_line l WHERE l.stay_id = st.id AND l.order_id = o.id)
) o ON o.n > 0
"""

# Admissions clustered in time: `admissions` different persons admitted to one department within
# `minutes`. One finding per department and day (the largest cluster); in-process, the clusters that
# hold the stay. p = {"admissions": 8, "minutes": 120}
ADM_CLUSTER = f"""
WITH d AS MATERIALIZED (  -- the period's admissions (and the window before its first day), read once
  SELECT s.id, s.department_id, s.person_id, s.admitted_at
  FROM admission_stay s
  WHERE s.status <> 'cancelled'
    AND s.admitted_at > %(start)s::date - make_interval(mins => (%(p)s::jsonb ->> 'minutes')::int + 1440)
    AND (s.admitted_at AT TIME ZONE {TZ})::date <= %(end)s
    AND %(visit)s::bigint IS NULL
    AND (%(stay)s::bigint IS NULL
         OR s.department_id = (SELECT t.department_id FROM admission_stay t WHERE t.id = %(stay)s::bigint))
), w AS (  -- each admission's window: a hash join on the department (no per-row rescans of d)
  SELECT s.id, s.department_id, s.admitted_at, (s.admitted_at AT TIME ZONE {TZ})::date AS day,
         count(DISTINCT e.person_id) AS persons
  FROM d s
  JOIN d e ON e.department_id = s.department_id AND e.admitted_at <= s.admitted_at
       AND e.admitted_at > s.admitted_at - make_interval(mins => (%(p)s::jsonb ->> 'minutes')::int)
  WHERE (s.admitted_at AT TIME ZONE {TZ})::date BETWEEN %(start)s AND %(end)s
  GROUP BY s.id, s.department_id, s.admitted_at
  HAVING count(DISTINCT e.person_id) >= (%(p)s::jsonb ->> 'admissions')::int
), c AS (  -- the largest cluster per department and day, then its stays (evidence) only for those
  SELECT DISTINCT ON (w.department_id, w.day) w.*
  FROM w ORDER BY w.department_id, w.day, w.persons DESC, w.id
), e AS (
  SELECT c.*, x.stays FROM c
  JOIN LATERAL (
    SELECT jsonb_agg(e.id ORDER BY e.admitted_at, e.id) AS stays FROM d e
    WHERE e.department_id = c.department_id AND e.admitted_at <= c.admitted_at
      AND e.admitted_at > c.admitted_at - make_interval(mins => (%(p)s::jsonb ->> 'minutes')::int)
  ) x ON true
)
SELECT 'ADM-CLUSTER:' || e.department_id || ':' || e.day, e.day, NULL::bigint, NULL::bigint, NULL::bigint,
       e.department_id, NULL::bigint, 0::numeric,
       format('ADM-CLUSTER 集中入院：%%s 在 %%s 分钟内收治 %%s 名不同参保人（至 %%s）。', d.name,
              (%(p)s::jsonb ->> 'minutes')::int, e.persons,
              to_char(e.admitted_at AT TIME ZONE {TZ}, 'YYYY-MM-DD HH24:MI')),
       jsonb_build_object('stays', e.stays)
FROM e JOIN hospital_department d ON d.id = e.department_id
WHERE %(stay)s::bigint IS NULL OR e.stays @> to_jsonb(%(stay)s::bigint)
"""

# Near-identical reimbursements across patients (报销金额雷同): a settlement whose fund payment is
# within `tolerance` yuan of those of at least `persons` − 1 other persons settled in the same
# department in the `days` before it. Only fund payments of at least `min_amount`. Anchored on the
# settlement day; money at stake: its fund payment. p = {"persons": 5, "tolerance": 1, "days": 30,
# "min_amount": 1000}
SETTLED = """
  SELECT st.id, st.stay_id, st.visit_id, st.person_id, st.fund_pay_total AS amount, st.settled_at,
         coalesce(s.department_id, v.department_id) AS department_id,
         coalesce(s.attending_doctor_id, v.doctor_id) AS doctor_id
  FROM settlement_settlement st
  LEFT JOIN admission_stay s ON s.id = st.stay_id
  LEFT JOIN settlement_outpatientvisit v ON v.id = st.visit_id
  WHERE st.status = 'settled' AND st.settled_at IS NOT NULL
    AND st.fund_pay_total >= (%(p)s::jsonb ->> 'min_amount')::numeric
"""
AMT_SAME = f"""
WITH a AS ({SETTLED}
    AND (st.settled_at AT TIME ZONE {TZ})::date BETWEEN %(start)s AND %(end)s
    AND (%(stay)s::bigint IS NULL OR st.stay_id = %(stay)s::bigint)
    AND (%(visit)s::bigint IS NULL OR st.visit_id = %(visit)s::bigint)
), o AS ({SETTLED}
    AND st.settled_at > %(start)s::date - make_interval(days => (%(p)s::jsonb ->> 'days')::int + 1)
    AND (st.settled_at AT TIME ZONE {TZ})::date <= %(end)s
)
SELECT 'AMT-SAME:' || a.id, (a.settled_at AT TIME ZONE {TZ})::date, a.stay_id, a.visit_id, a.person_id,
       a.department_id, a.doctor_id, a.amount,
       format('AMT-SAME 报销金额雷同：基金支付 %%s 元，%%s 天内同科室另有 %%s 名参保人'
              || '基金支付与之相差不超过 %%s 元。',
              a.amount, (%(p)s::jsonb ->> 'days')::int, x.persons, (%(p)s::jsonb ->> 'tolerance')::numeric),
       jsonb_build_object('settlements', x.ids || to_jsonb(a.id),
                          'stays', CASE WHEN a.stay_id IS NULL THEN '[]'::jsonb
                                        ELSE jsonb_build_array(a.stay_id) END)
FROM a
JOIN LATERAL (
  SELECT count(DISTINCT o.person_id) AS persons, jsonb_agg(o.id ORDER BY o.settled_at, o.id) AS ids
  FROM o
  WHERE o.department_id = a.department_id AND o.person_id <> a.person_id
    AND o.settled_at <= a.settled_at
    AND o.settled_at > a.settled_at - make_interval(days => (%(p)s::jsonb ->> 'days')::int)
    AND abs(o.amount - a.amount) <= (%(p)s::jsonb ->> 'tolerance')::numeric
) x ON x.persons >= (%(p)s::jsonb ->> 'persons')::int - 1
"""

# Stock out of the pharmacy against charges (进销存与收费不符): for an item the pharmacy tracks (any
# movement on or before the day), more charged on a day than dispensed (out − returns) that day, beyond
# `tolerance` units. Money at stake: the charged amount of the excess. p = {"tolerance": 0}
STOCK = f"""
WITH c AS (
  SELECT l.hospital_item_id, l.charged_on, sum(l.quantity) AS qty, sum(l.amount) AS total, count(*) AS n,
         min(l.item_name) AS item_name
  FROM audit_fee_line l
  WHERE {PERIOD} AND %(stay)s::bigint IS NULL AND %(visit)s::bigint IS NULL
    AND l.hospital_item_id IN (SELECT DISTINCT m.hospital_item_id FROM audit_stockmovement m
                               WHERE m.moved_on <= %(end)s)
  GROUP BY l.hospital_item_id, l.charged_on
), m AS (
  SELECT m.hospital_item_id, m.moved_on,
         sum(CASE m.direction WHEN 'out' THEN m.quantity WHEN 'return' THEN -m.quantity ELSE 0 END)
           AS out_qty,
         jsonb_agg(m.id ORDER BY m.moved_at, m.id) AS moves
  FROM audit_stockmovement m
  WHERE m.moved_on BETWEEN %(start)s AND %(end)s
  GROUP BY m.hospital_item_id, m.moved_on
)
SELECT 'STOCK:' || c.hospital_item_id || ':' || c.charged_on, c.charged_on, NULL::bigint, NULL::bigint,
       NULL::bigint, NULL::bigint, NULL::bigint,
       round(c.total * (c.qty - coalesce(m.out_qty, 0)) / c.qty, 2),
       format('STOCK 进销存与收费不符：%%s 于 %%s 收费 %%s，药房发出 %%s，多收 %%s 元。', c.item_name,
              c.charged_on, trim_scale(c.qty), trim_scale(coalesce(m.out_qty, 0)),
              round(c.total * (c.qty - coalesce(m.out_qty, 0)) / c.qty, 2)),
       jsonb_build_object('item', c.hospital_item_id, 'lines_count', c.n,
                          'movements', coalesce(m.moves, '[]'::jsonb))
FROM c
LEFT JOIN m ON m.hospital_item_id = c.hospital_item_id AND m.moved_on = c.charged_on
WHERE EXISTS (SELECT 1 FROM audit_stockmovement t
              WHERE t.hospital_item_id = c.hospital_item_id AND t.moved_on <= c.charged_on)
  AND c.qty - coalesce(m.out_qty, 0) > (%(p)s::jsonb ->> 'tolerance')::numeric
"""

# FEE-5: positive rate of lab tests of at least `min_price` yuan and large-equipment exams (national
# code prefixes) per department and month, over the lines with a recorded result, below the tier's
# minimum (≥ 65 % tier-2, ≥ 70 % tier-3, 001 §21). Judged on the month's last day, when at least
# `min_exams` results exist. Money at stake: the negative exams. p = {"min_price": 100,
# "prefixes": ["2103", "2104", "2105"], "min_rate_tier2": 65, "min_rate_tier3": 70, "min_exams": 20}
# FEE-5's lines: lab tests (national code 25…) of at least `min_price` and the large-equipment exams.
EXAM_FILTER = """(
    l.unit_price >= (%(p)s::jsonb ->> 'min_price')::numeric AND l.med_list_codg LIKE '25%%'
    OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(%(p)s::jsonb -> 'prefixes') AS pre(prefix)
               WHERE l.med_list_codg LIKE pre.prefix || '%%'))"""
FEE_5 = f"""
WITH mon AS (
  SELECT date_trunc('month', e)::date AS first_day, e::date AS last_day
  FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS e
  WHERE e::date = (date_trunc('month', e) + interval '1 month' - interval '1 day')::date
    AND %(stay)s::bigint IS NULL AND %(visit)s::bigint IS NULL
), lim AS (
  SELECT (%(p)s::jsonb ->> CASE WHEN %(tier)s::int >= 3 THEN 'min_rate_tier3' ELSE 'min_rate_tier2' END)
         ::numeric AS min_rate
), ex AS (
  SELECT mon.last_day, l.department_id, count(*) AS n, count(*) FILTER (WHERE r.positive) AS pos,
         coalesce(sum(l.amount) FILTER (WHERE NOT r.positive), 0) AS negative_amount,
         (array_agg(l.line_key ORDER BY l.line_id) FILTER (WHERE NOT r.positive))[1:200] AS negative_keys
  FROM mon
  JOIN audit_fee_line l ON l.charged_on BETWEEN mon.first_day AND mon.last_day
  JOIN audit_examresult r ON r.feedetl_sn = l.feedetl_sn
  WHERE l.department_id IS NOT NULL AND {EXAM_FILTER}
  GROUP BY mon.last_day, l.department_id
  HAVING count(*) >= (%(p)s::jsonb ->> 'min_exams')::int
)
SELECT 'FEE-5:' || ex.department_id || ':' || to_char(ex.last_day, 'YYYY-MM'), ex.last_day, NULL::bigint,
       NULL::bigint, NULL::bigint, ex.department_id, NULL::bigint, ex.negative_amount,
       format('FEE-5 检查检验阳性率偏低：%%s %%s 大型检查及 %%s 元以上检验 %%s 项，阳性 %%s 项，'
              || '阳性率 %%s%%%%，低于 %%s 级医院 %%s%%%%。', d.name, to_char(ex.last_day, 'YYYY-MM'),
              (%(p)s::jsonb ->> 'min_price')::int, ex.n, ex.pos, round(100.0 * ex.pos / ex.n, 2),
              %(tier)s::int, trim_scale(lim.min_rate)),
       jsonb_build_object('lines', to_jsonb(ex.negative_keys), 'exams', ex.n, 'positive', ex.pos)
FROM ex CROSS JOIN lim JOIN hospital_department d ON d.id = ex.department_id
WHERE 100.0 * ex.pos / ex.n < lim.min_rate
"""

SQL = {
    "FEE-2-ORDER": FEE_2_ORDER,
    "ADM-CLUSTER": ADM_CLUSTER,
    "AMT-SAME": AMT_SAME,
    "STOCK": STOCK,
    "FEE-5": FEE_5,
}
