"""The national interface's envelope, tolerant parsing and the signing profiles (CENTER-INTERFACE §0)."""

import datetime
import json
from decimal import Decimal

import pytest

from center import protocol
from center.auth import PROFILES, SignatureError, auth_from_config, tif_signature

AT = datetime.datetime(2026, 11, 24, 9, 30, 5)
INSTITUTION = protocol.Institution("H61010300123", "西安市示范第一人民医院", "610103")


def test_msgid_is_institution_code_time_and_four_digit_sequence():
    msgid = protocol.build_msgid("H61010300123", AT, 7)
    assert msgid == "H61010300123202611240930050007"
    assert len(msgid) == 30 and protocol.MSGID_PATTERN.match(msgid)
    assert protocol.build_msgid("H61010300123", AT, 10007).endswith("0007")  # the sequence cycles at 10 000
    with pytest.raises(ValueError):
        protocol.build_msgid("61010300123", AT, 1)


def test_request_envelope_has_every_required_field():
    envelope = protocol.build_request(
        infno="1101",
        msgid="H61010300123202611240930050007",
        institution=INSTITUTION,
        operator=protocol.Operator("clerk", "王收费"),
        payload={"data": {}},
        at=AT,
    )
    for name in (
        "infno",
        "msgid",
        "mdtrtarea_admvs",
        "recer_sys_code",
        "infver",
        "opter_type",
        "opter",
        "opter_name",
        "inf_time",
        "fixmedins_code",
        "fixmedins_name",
        "input",
    ):
        assert envelope[name] != "", name
    assert envelope["inf_time"] == "2026-11-24 09:30:05"


@pytest.mark.parametrize("infcode", [0, "0", " 0 "])
def test_infcode_as_number_or_string(infcode):
    reply = protocol.parse_reply({"infcode": infcode, "output": {"x": 1}, "extra_field": "ignored"})
    assert reply.ok and reply.output == {"x": 1}


def test_failure_reply_and_null_fields():
    reply = protocol.parse_reply({"infcode": -1, "err_msg": "人员不存在", "output": None, "warn_msg": None})
    assert not reply.ok and reply.err_msg == "人员不存在" and reply.output == {}


@pytest.mark.parametrize(
    "body", [None, [], {"output": {}}, {"infcode": "abc"}, {"infcode": 0, "output": [1]}]
)
def test_unreadable_replies_raise(body):
    with pytest.raises(protocol.ProtocolError):
        protocol.parse_reply(body)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("69.6", Decimal("69.6")),
        (41509.00, Decimal("41509.0")),
        (0, Decimal("0")),
        (None, Decimal("0")),
        ("", Decimal("0")),
        ("-20.0", Decimal("-20.0")),
        (0.1, Decimal("0.1")),
    ],
)
def test_amounts_as_strings_numbers_or_null(value, expected):
    assert protocol.to_decimal(value) == expected


def test_pii_is_masked_in_logs():
    masked = protocol.mask_identifiers(
        {"input": {"data": {"mdtrt_cert_no": "610103198001011235", "psn_no": "1"}}}
    )
    assert masked["input"]["data"]["mdtrt_cert_no"] == "6101**********1235"
    assert masked["input"]["data"]["psn_no"] == "1"


def test_tif_signature_is_plain_sha256_of_timestamp_secret_nonce_timestamp():
    import hashlib

    assert (
        tif_signature("1700000000", "s3cret", "abc")
        == hashlib.sha256(b"1700000000s3cretabc1700000000").hexdigest()
    )


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_each_profile_round_trips_and_rejects_tampering(profile):
    auth = auth_from_config({"AUTH": profile, "PAASID": "hosp", "SECRET": "k3y"})
    envelope = {"msgid": "H61010300123202611240930050007", "infno": "1101", "input": {"data": {"a": "证"}}}
    headers, body = auth.prepare(envelope)
    opened = auth.open_request(headers, body)
    assert opened["input"] == envelope["input"]
    assert json.loads(json.dumps(auth.open_reply(auth.seal_reply({"infcode": 0}))))["infcode"] == 0
    if profile == "none":
        return
    other = auth_from_config({"AUTH": profile, "PAASID": "hosp", "SECRET": "wrong"})
    with pytest.raises(SignatureError):
        other.open_request(headers, body)


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError):
        auth_from_config({"AUTH": "rsa"})
