"""The hospital's center client against the simulated center (a separate process).

Covers the inpatient transactions, the engine agreeing with the center, reversal (SET-9),
and faults: a 2304 that times out or comes back garbled ends in one settlement or none, never two.
"""

from decimal import Decimal

import pytest

from center import protocol
from center import transactions as trx
from center.client import (
    CenterClient,
    CenterGarbled,
    CenterRejected,
    CenterTimeout,
    CenterUnavailable,
    next_msgid,
)
from center.models import CenterExchange
from settlement import rules

pytestmark = pytest.mark.django_db
PSN = "61010000000000000001"
REGION = "610100"


def _admit_with_fees(client, lines=None):
    person = trx.person_info(client, cert_type="02", cert_no="610103198001011235")
    assert person["baseinfo"]["psn_no"] == PSN
    mdtrt_id = trx.admit(
        client,
        mdtrtinfo={
            "psn_no": PSN,
            "insutype": "310",
            "begntime": "2026-11-20 08:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "610103198001011235",
            "med_type": "21",
            "ipt_no": "ZY0001",
            "atddr_no": "D610103000001",
            "chfpdr_name": "张建国",
            "adm_diag_dscr": "2型糖尿病",
            "adm_dept_codg": "6101030302",
            "adm_dept_name": "内分泌科",
            "adm_bed": "01",
            "dscg_maindiag_code": "E11.900",
            "dscg_maindiag_name": "2型糖尿病",
        },
        diseinfo=[
            {
                "psn_no": PSN,
                "diag_type": "1",
                "maindiag_flag": "1",
                "diag_srt_no": 1,
                "diag_code": "E11.900",
                "diag_name": "2型糖尿病",
                "diag_dept": "内分泌科",
                "dise_dor_no": "D610103000001",
                "dise_dor_name": "张建国",
                "diag_time": "2026-11-20 08:10:00",
            }
        ],
        insuplc_admdvs=REGION,
    )
    lines = lines or [
        ("1", "001102000010000", "4", "35.00"),  # bed over its 30.00 payment standard -> over-limit
        ("2", "XA10BAA005A001010102340", "10", "12.50"),  # class B, 10 % first
        ("3", "XJ01CAA040A001010100028", "20", "3.20"),  # class A
        ("4", "ZZ0000000000000000000001", "1", "88.00"),  # class C
    ]
    feedetail = [
        {
            "feedetl_sn": sn,
            "mdtrt_id": mdtrt_id,
            "psn_no": PSN,
            "med_type": "21",
            "fee_ocur_time": "2026-11-21 09:00:00",
            "med_list_codg": code,
            "medins_list_codg": f"H{code}",
            "det_item_fee_sumamt": str(rules.money(Decimal(cnt) * Decimal(pric))),
            "cnt": cnt,
            "pric": pric,
            "bilg_dept_codg": "6101030302",
            "bilg_dept_name": "内分泌科",
            "bilg_dr_codg": "D610103000001",
            "bilg_dr_name": "张建国",
        }
        for sn, code, cnt, pric in lines
    ]
    split = trx.upload_fees(client, feedetail=feedetail, insuplc_admdvs=REGION)
    total = sum(line["det_item_fee_sumamt"] for line in split)
    return mdtrt_id, split, total


def _data(mdtrt_id, total, **kwargs):
    return trx.settlement_data(
        psn_no=PSN,
        mdtrt_id=mdtrt_id,
        insutype="310",
        medfee_sumamt=total,
        cert_type="02",
        cert_no="610103198001011235",
        acct_used=True,
        **kwargs,
    )


def test_inpatient_flow_pre_settle_settle_cancel(center):
    client = CenterClient.from_settings()
    mdtrt_id, split, total = _admit_with_fees(client)
    for (
        line
    ) in split:  # §3: det_item_fee_sumamt = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt
        assert line["det_item_fee_sumamt"] == (
            line["fulamt_ownpay_amt"] + line["overlmt_amt"] + line["preselfpay_amt"] + line["inscp_scp_amt"]
        )
    assert total == Decimal("417.00")

    pre = trx.pre_settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION)["setlinfo"]
    assert center.state()["active_settlements"] == []  # 2303 changes nothing
    settled = trx.settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION)
    info = settled["setlinfo"]
    assert info["medins_setl_id"] == settled["msgid"]
    for name in protocol_money_fields():
        assert info[name] == pre[name], name
    # The center's identities (CENTER-INTERFACE §4)
    assert info["medfee_sumamt"] == (
        info["fulamt_ownpay_amt"] + info["overlmt_selfpay"] + info["preselfpay_amt"] + info["inscp_scp_amt"]
    )
    assert info["psn_part_amt"] == info["medfee_sumamt"] - info["fund_pay_sumamt"] - info["hosp_part_amt"]
    assert info["psn_part_amt"] == info["acct_pay"] + info["psn_cash_pay"]
    assert (info["fulamt_ownpay_amt"], info["overlmt_selfpay"], info["preselfpay_amt"]) == (
        Decimal("88.00"),
        Decimal("20.00"),
        Decimal("12.50"),
    )
    assert info["act_pay_dedc"] == Decimal("296.50")  # in scope 296.50 < deductible 500: all deductible
    assert info["hifp_pay"] == Decimal("0.00")
    assert info["acct_pay"] == Decimal("417.00") and info["balc"] == Decimal("2783.00")

    with pytest.raises(CenterRejected, match="已结算"):
        trx.settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION)

    cancelled = trx.cancel_settlement(
        client, mdtrt_id=mdtrt_id, setl_id=info["setl_id"], psn_no=PSN, insuplc_admdvs=REGION
    )["setlinfo"]
    assert cancelled["medfee_sumamt"] == -info["medfee_sumamt"]
    assert cancelled["balc"] == Decimal("3200.00")  # personal account restored
    state = center.state()
    assert state["active_settlements"] == []
    # The center's counter: person, scheme, counter care type, year start; restored exactly.
    counter = next(v for k, v in state["accumulators"].items() if k.startswith(f"{PSN}|310|inpatient|"))
    assert (counter["deductible"], counter["fund"]) == ("0.00", "0.00")
    again = trx.settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION)
    assert again["setlinfo"]["setl_id"] != info["setl_id"]


def protocol_money_fields():
    # 2303 and 2304 must agree on every amount except the balance, which 2304 moves.
    return [name for name in protocol.SETTLEMENT_AMOUNT_FIELDS if name != "balc"]


def test_center_and_local_engine_agree_on_a_settlement(center):
    client = CenterClient.from_settings()
    lines = [
        ("1", "XJ01CAA040A001010100028", "300", "10.00"),
        ("2", "ZZ0000000000000000000001", "1", "1000.00"),
    ]
    mdtrt_id, _, total = _admit_with_fees(client, lines)
    info = trx.settle(client, data={**_data(mdtrt_id, total), "acct_used_flag": "0"}, insuplc_admdvs=REGION)[
        "setlinfo"
    ]
    local = rules.settle(
        [
            rules.FeeLine(rules.InsuranceClass.A, amount=Decimal("3000")),
            rules.FeeLine(rules.InsuranceClass.C, amount=Decimal("1000")),
        ],
        rules.Policy(Decimal("500"), Decimal("0.70"), annual_cap=Decimal("400000")),
    )
    assert (
        info["hifp_pay"] == local.fund_pay == Decimal("1750.00")
    )  # (4000 - 500 - 1000) x 70 %, SET-1's formula
    assert info["psn_cash_pay"] == local.cash_pay


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "timeout", "infno": "2304", "seconds": 3, "after_process": True},  # settled, reply lost
        {
            "mode": "timeout",
            "infno": "2304",
            "seconds": 3,
            "after_process": False,
        },  # arrives after our reversal
        {"mode": "garbled", "infno": "2304"},
    ],
)
def test_a_lost_settle_reply_is_resolved_by_asking_the_center(center, fault):
    """The reply to 2304 is lost: the outcome is unknown to the client. 5203 (matching medins_setl_id to
    our msgid) tells whether the center settled; a 2601 fence makes sure a late message never settles;
    afterwards the center holds exactly what 5203 said."""
    import time

    client = CenterClient.from_settings()
    mdtrt_id, _, total = _admit_with_fees(client)
    center.fault(count=1, **fault)
    msgid = next_msgid()
    with pytest.raises((CenterTimeout, CenterGarbled)):
        trx.settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION, msgid=msgid)
    held = [
        r
        for r in trx.query_settlements(client, psn_no=PSN, mdtrt_id=mdtrt_id, insuplc_admdvs=REGION)
        if r["setlinfo"]["medins_setl_id"] == msgid
    ]
    processed = fault.get("after_process") or fault["mode"] == "garbled"
    assert len(held) == (1 if processed else 0)
    if not held:
        trx.reverse(client, psn_no=PSN, omsgid=msgid, oinfno="2304", insuplc_admdvs=REGION)
        time.sleep(fault.get("seconds", 0) + 0.5)  # the late 2304 arrives after the fence
        assert center.state()["active_settlements"] == []
        settled = trx.settle(client, data=_data(mdtrt_id, total), insuplc_admdvs=REGION)
        assert center.state()["active_settlements"] == [settled["setlinfo"]["setl_id"]]
    else:
        assert center.state()["active_settlements"] == [held[0]["setlinfo"]["setl_id"]]
        assert held[0]["setlinfo"]["medfee_sumamt"] == Decimal(total)


def test_center_down_is_unavailable_and_logged(center):
    client = CenterClient.from_settings()
    center.fault(mode="down", infno="1101")
    with pytest.raises(CenterUnavailable) as excinfo:
        trx.person_info(client, cert_type="02", cert_no="610103198001011235")
    assert excinfo.value.rule == "SET-10"
    exchange = CenterExchange.objects.filter(infno="1101").get()
    assert exchange.status == "unavailable" and exchange.attempts == 2  # a read is retried once
    assert exchange.request["input"]["data"]["mdtrt_cert_no"] == "6101**********1235"


def test_center_error_reply_is_a_rejection_with_its_message(center):
    client = CenterClient.from_settings()
    center.fault(mode="error", infno="1101", count=1)
    with pytest.raises(CenterRejected, match="中心系统异常"):
        trx.person_info(client, cert_type="02", cert_no="610103198001011235")


def test_unknown_person_and_wrong_signature_are_refused(center, settings):
    client = CenterClient.from_settings()
    with pytest.raises(CenterRejected, match="未查询到人员信息"):
        trx.person_info(client, cert_type="02", cert_no="110101199001011234")
    settings.CENTER = {**settings.CENTER, "SECRET": "not-the-secret"}
    with pytest.raises(CenterRejected, match="签名"):
        trx.person_info(CenterClient.from_settings(), cert_type="02", cert_no="610103198001011235")


def test_admission_cancel_refused_once_fees_exist(center):
    client = CenterClient.from_settings()
    mdtrt_id, _, _ = _admit_with_fees(client)
    with pytest.raises(CenterRejected, match="已上传费用"):
        trx.cancel_admission(client, mdtrt_id=mdtrt_id, psn_no=PSN, insuplc_admdvs=REGION)
    trx.cancel_fees(client, mdtrt_id=mdtrt_id, psn_no=PSN, insuplc_admdvs=REGION)
    trx.cancel_admission(client, mdtrt_id=mdtrt_id, psn_no=PSN, insuplc_admdvs=REGION)
    assert center.state()["visits"][mdtrt_id]["status"] == "cancelled"


def test_healthz_reports_the_last_center_exchange_without_failing_on_it(center, client):
    from core import health

    center.fault(mode="down", infno="1101")
    with pytest.raises(CenterUnavailable):
        trx.person_info(CenterClient.from_settings(), cert_type="02", cert_no="610103198001011235")
    _, body = health.collect()
    assert body["checks"]["center"]["ok"] is False
    assert body["checks"]["center"]["last_exchange"]["status"] == "unavailable"


def _outpatient_visit(client, batch_lines):
    mdtrt_id = trx.register_outpatient(
        client,
        data={
            "psn_no": PSN,
            "insutype": "310",
            "begntime": "2026-11-24 09:00:00",
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": "610103198001011235",
            "ipt_otp_no": "MZ0001",
            "atddr_no": "D610103000001",
            "dr_name": "张建国",
            "dept_code": "6101030302",
            "dept_name": "内分泌科",
            "caty": "A03.06",
        },
        insuplc_admdvs=REGION,
    )
    for batch, lines in batch_lines.items():
        feedetail = [
            {
                "feedetl_sn": f"{batch}-{n}",
                "mdtrt_id": mdtrt_id,
                "psn_no": PSN,
                "chrg_bchno": batch,
                "fee_ocur_time": "2026-11-24 09:10:00",
                "med_list_codg": code,
                "medins_list_codg": f"H{code}",
                "det_item_fee_sumamt": str(rules.money(Decimal(cnt) * Decimal(pric))),
                "cnt": cnt,
                "pric": pric,
            }
            for n, (code, cnt, pric) in enumerate(lines)
        ]
        trx.upload_outpatient_fees(client, feedetail=feedetail, insuplc_admdvs=REGION)
    return mdtrt_id


def test_outpatient_chronic_visit_settles_by_charge_batch_and_cancels(center):
    client = CenterClient.from_settings()
    mdtrt_id = _outpatient_visit(
        client,
        {
            "B1": [("XA10BAA005A001010102340", "30", "2.00")],
            "B2": [("XJ01CAA040A001010100028", "10", "3.20")],
        },
    )
    with pytest.raises(CenterRejected, match="dise_codg"):
        trx.outpatient_visit_info(
            client,
            mdtrtinfo={"mdtrt_id": mdtrt_id, "psn_no": PSN, "med_type": "14"},
            diseinfo=[],
            insuplc_admdvs=REGION,
        )
    trx.outpatient_visit_info(
        client,
        mdtrtinfo={
            "mdtrt_id": mdtrt_id,
            "psn_no": PSN,
            "med_type": "14",
            "dise_codg": "M03900",
            "dise_name": "糖尿病",
        },
        diseinfo=[],
        insuplc_admdvs=REGION,
    )
    data = {**_data(mdtrt_id, "60.00"), "chrg_bchno": "B1", "med_type": "14", "acct_used_flag": "0"}
    pre = trx.pre_settle_outpatient(client, data=data, insuplc_admdvs=REGION)["setlinfo"]
    # SET-5: chronic outpatient, deductible 0, fund 70 % of the in-scope 54.00 (60 less the class-B 10 %)
    assert (pre["preselfpay_amt"], pre["hifp_pay"], pre["psn_cash_pay"]) == (
        Decimal("6.00"),
        Decimal("37.80"),
        Decimal("22.20"),
    )
    settled = trx.settle_outpatient(client, data=data, insuplc_admdvs=REGION)["setlinfo"]
    assert settled["clr_type"] == "11"
    second = trx.settle_outpatient(
        client, data={**data, "chrg_bchno": "B2", "medfee_sumamt": "32.00"}, insuplc_admdvs=REGION
    )["setlinfo"]
    assert second["medfee_sumamt"] == Decimal("32.00")
    with pytest.raises(CenterRejected, match="已结算"):
        trx.cancel_outpatient_fees(
            client, mdtrt_id=mdtrt_id, chrg_bchno="B1", psn_no=PSN, insuplc_admdvs=REGION
        )
    cancelled = trx.cancel_outpatient_settlement(
        client, mdtrt_id=mdtrt_id, setl_id=settled["setl_id"], psn_no=PSN, insuplc_admdvs=REGION
    )["setlinfo"]
    assert cancelled["hifp_pay"] == Decimal("-37.80")
    assert center.state()["active_settlements"] == [second["setl_id"]]


def test_outpatient_settle_timeout_fenced_by_2601_leaves_nothing(center):
    """2207's reply is lost after the center settled: 2601 on its msgid cancels it (10 × 3.20 = 32.00)."""
    client = CenterClient.from_settings()
    mdtrt_id = _outpatient_visit(client, {"B1": [("XJ01CAA040A001010100028", "10", "3.20")]})
    center.fault(mode="timeout", infno="2207", seconds=3, after_process=True, count=1)
    data = {**_data(mdtrt_id, "32.00"), "chrg_bchno": "B1"}
    msgid = next_msgid()
    with pytest.raises(CenterTimeout):
        trx.settle_outpatient(client, data=data, insuplc_admdvs=REGION, msgid=msgid)
    trx.reverse(client, psn_no=PSN, omsgid=msgid, oinfno="2207", insuplc_admdvs=REGION)
    assert center.state()["active_settlements"] == []
    rows = trx.query_settlements(client, psn_no=PSN, mdtrt_id=mdtrt_id, insuplc_admdvs=REGION)
    assert [r["setlinfo"]["refd_setl_flag"] for r in rows] == ["0", "1"]
    assert rows[1]["setlinfo"]["medfee_sumamt"] == Decimal("-32.00")
