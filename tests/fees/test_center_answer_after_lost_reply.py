"""Issue 17: the center's per-line answer is kept even when the 2301 reply carrying it is lost — the
lines are then confirmed through 5204 (settlement.flow.reconcile_unconfirmed_lines), which repeats the
per-line split, and fees.services.center_answer_record stores it.

The stay of tests.settlement.test_settle.discharged_stay, worked by hand:
  bed      3 × 40.00 = 120.00, payment standard 35.00 → over-limit 3 × (40 − 35) = 15.00, in scope 105.00
  CT       2 × 150.00 = 300.00, class B 8 % → first self-pay 300 × 0.08 = 24.00, in scope 276.00
  check-up 1 × 300.00 = 300.00, class C (consented self-pay) → full self-pay 300.00, in scope 0.00
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from center.client import CenterError
from center.models import CenterExchange
from fees.models import FeeLine
from settlement import services
from settlement.books import books_agree
from tests.settlement.test_faults import LOST
from tests.settlement.test_settle import discharged_stay

D = Decimal

# code: (class level, self-pay share, payment standard, full self-pay, over-limit, first self-pay, in scope)
EXPECTED = {
    "H-BED": ("01", D("0.0000"), D("35.000000"), D("0.00"), D("15.00"), D("0.00"), D("105.00")),
    "H-CT": ("02", D("0.0800"), None, D("0.00"), D("0.00"), D("24.00"), D("276.00")),
    "H-CHK": ("03", D("1.0000"), None, D("300.00"), D("0.00"), D("0.00"), D("0.00")),
}


def _center_answer(line: FeeLine):
    return (
        line.center_class,
        line.center_selfpay_prop,
        line.center_pric_uplmt_amt,
        line.center_fulamt_ownpay_amt,
        line.center_overlmt_amt,
        line.center_preselfpay_amt,
        line.center_inscp_scp_amt,
    )


@pytest.mark.django_db
def test_lines_confirmed_by_5204_keep_the_centers_per_line_answer(center):
    hospital, stay = discharged_stay(center)
    center.fault(infno="2301", **LOST)  # 2301 processed by the center, its reply lost
    with pytest.raises(CenterError):
        services.fees_upload(actor=hospital.clerk, stay=stay)
    lines = FeeLine.objects.filter(stay=stay)
    assert not [line for line in lines if line.center_answered]  # nothing came back

    services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="answer-1")

    assert CenterExchange.objects.filter(infno="2301").count() == 1  # never re-sent
    assert CenterExchange.objects.filter(infno="5204").exists()  # confirmed by the query instead
    answers = {line.hospital_item.medins_list_codg: _center_answer(line) for line in lines.all()}
    assert answers == EXPECTED
    for line in lines.all():  # the center's split equals ours, line by line
        assert line.upload_status == FeeLine.UploadStatus.UPLOADED
        assert (line.center_fulamt_ownpay_amt, line.center_overlmt_amt) == (
            line.full_self_pay_amount,
            line.over_limit_amount,
        )
        assert (line.center_preselfpay_amt, line.center_inscp_scp_amt) == (
            line.pre_self_pay_amount,
            line.in_scope_amount,
        )
    assert books_agree() == []
