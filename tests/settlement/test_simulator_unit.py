"""The simulator's envelope checks and idempotency, in-process (no Django database needed)."""

from center.auth import PlainAuth
from center.simulator.app import CenterSimulator
from center.simulator.state import CenterState

ENVELOPE = {
    "msgid": "H61010300123202611240930050001",
    "mdtrtarea_admvs": "610103",
    "fixmedins_code": "H61010300123",
    "inf_time": "2026-11-24 09:30:05",
    "opter": "clerk",
}


def _simulator():
    return CenterSimulator(CenterState(), PlainAuth())


def test_missing_envelope_fields_are_refused():
    reply = _simulator().process({"msgid": "x1", "infno": "1101", "input": {}})
    assert reply["infcode"] == -1 and "mdtrtarea_admvs" in reply["err_msg"]


def test_person_transactions_need_the_insured_region():
    reply = _simulator().process({**ENVELOPE, "infno": "2401", "input": {"mdtrtinfo": {}}})
    assert reply["infcode"] == -1 and "insuplc_admdvs" in reply["err_msg"]


def test_a_resent_message_is_answered_not_processed_again():
    simulator = _simulator()
    envelope = {
        **ENVELOPE,
        "infno": "2201",
        "insuplc_admdvs": "610100",
        "input": {"data": {"psn_no": "61010000000000000001", "insutype": "310", "begntime": "x"}},
    }
    first = simulator.process(envelope)
    second = simulator.process(envelope)
    assert first == second and first["infcode"] == 0
    assert len(simulator.state.visits) == 1


def test_reply_ids_follow_the_receiver_format():
    reply = _simulator().process({**ENVELOPE, "infno": "9001", "input": {}})
    assert reply["infcode"] == 0
    assert len(reply["inf_refmsgid"]) == 30 and reply["inf_refmsgid"].startswith("610100")
