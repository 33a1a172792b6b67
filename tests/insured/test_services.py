"""Services and database constraints of the insured app (INS-1..INS-5)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from insured import selectors, services
from insured.identity import GenderCode, make_ric
from insured.models import CardRead, Credential, Enrollment, InsuranceType, PersonType
from tests.factories import UserFactory
from tests.insured.factories import make_person, make_reader, signed

pytestmark = pytest.mark.django_db


def test_register_derives_birth_and_gender_and_refuses_mismatch():
    number = make_ric("610103", datetime.date(1966, 7, 1), 5, GenderCode.FEMALE)
    person, created = services.person_register(
        actor=None, psn_no="P1", cert_type_code="01", certno=number, name="王芳", insuplc_admdvs="610100"
    )
    assert created and person.birth_date == datetime.date(1966, 7, 1) and person.gender == "2"
    assert person.name_initials == "wf"
    with pytest.raises(DomainError) as excinfo:
        services.person_register(
            actor=None,
            psn_no="P2",
            cert_type_code="01",
            certno=number,
            name="王芳",
            insuplc_admdvs="610100",
            gender="1",
        )
    assert excinfo.value.rule == "INS-1" and "gender" in excinfo.value.errors


def test_register_is_idempotent():
    person = make_person()
    again, created = services.person_register(
        actor=None,
        psn_no=person.psn_no,
        cert_type_code="01",
        certno=person.certno,
        name=person.name,
        insuplc_admdvs="610100",
        phone="13912345678",
    )
    assert not created and again.pk == person.pk


def test_ins3_two_active_basic_schemes_refused_by_the_database():
    person = make_person(insutype="310")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            person=person,
            insutype=InsuranceType.objects.get(code="390"),
            psn_type=PersonType.objects.get(code="41"),
            start_date=datetime.date(2021, 1, 1),
        )


def test_ins3_supplement_without_basic_refused_by_the_database():
    person = make_person(insutype="310")
    person.enrollments.update(status=Enrollment.Status.TERMINATED)
    with pytest.raises(IntegrityError, match="INS-3"), transaction.atomic():
        Enrollment.objects.create(
            person=person,
            insutype=InsuranceType.objects.get(code="330"),
            psn_type=PersonType.objects.get(code="11"),
            start_date=datetime.date(2021, 1, 1),
        )


def test_ins3_service_gives_the_friendly_message():
    person = make_person(insutype="310")
    with pytest.raises(DomainError, match="多个基本医疗保险") as excinfo:
        services.enrollment_add(
            actor=None,
            person=person,
            insutype_code="390",
            psn_type_code="41",
            start_date=datetime.date(2021, 1, 1),
        )
    assert excinfo.value.rule == "INS-3"
    supplement = services.enrollment_add(
        actor=None,
        person=person,
        insutype_code="330",
        psn_type_code="11",
        start_date=datetime.date(2021, 1, 1),
    )
    assert supplement.is_basic is False


def test_residents_scheme_has_no_personal_account():
    person = make_person(insutype="390")
    person.enrollments.update(status=Enrollment.Status.TERMINATED)
    with pytest.raises(DomainError, match="没有个人账户"):
        services.enrollment_add(
            actor=None,
            person=person,
            insutype_code="390",
            psn_type_code="41",
            start_date=datetime.date(2021, 1, 1),
            balance=Decimal("10"),
        )


def _read(person, clerk, **kwargs):
    reader = make_reader()
    id_card = person.credentials.get(mdtrt_cert_type="02")
    params = {"credential_type": "02", "reader_id": "T-CARD", **signed(reader, id_card.number), **kwargs}
    return services.card_read(actor=clerk, **params)


def test_card_read_active_answers_person_insurance_and_balance():
    clerk = UserFactory(roles=["clerk"])
    person = make_person(balance="1234.56")
    read = _read(person, clerk)
    answer = selectors.card_read_answer(read, clerk)
    assert answer["person"]["psn_no"] == person.psn_no
    assert answer["person"]["certno"].count("*") == 10  # masked for the window
    assert answer["enrollments"][0]["balance"] == Decimal("1234.56")
    assert answer["direct_settlement"] is True and answer["sanctions"] == []


def test_card_read_refuses_a_typed_number():
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    with pytest.raises(DomainError) as excinfo:
        _read(person, clerk, entry_mode="manual")
    assert excinfo.value.rule == "INS-1" and excinfo.value.code == "manual_entry_forbidden"
    with pytest.raises(DomainError, match="不得手工录入医保号"):
        services.card_read(
            actor=clerk, credential_type="psn_no", credential_value=person.psn_no, reader_id="T-CARD"
        )


def test_card_read_refuses_a_lost_credential_with_its_reason():
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    person.credentials.filter(mdtrt_cert_type="02").update(status=Credential.Status.LOST)
    with pytest.raises(DomainError, match="已挂失") as excinfo:
        _read(person, clerk)
    assert excinfo.value.rule == "INS-1"


def test_card_read_refuses_an_unregistered_reader():
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    with pytest.raises(DomainError, match="未登记"):
        _read(person, clerk, reader_id="NOPE")


def test_delegated_purchase_needs_the_agent():
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    with pytest.raises(DomainError) as excinfo:
        _read(person, clerk, purpose=CardRead.Purpose.DELEGATED_PURCHASE)
    assert excinfo.value.rule == "INS-2"
    agent = services.AgentIdentity(
        "01", make_ric("610104", datetime.date(1990, 2, 2), 7, GenderCode.MALE), "李四", "子女"
    )
    read = _read(person, clerk, purpose=CardRead.Purpose.DELEGATED_PURCHASE, agent=agent)
    assert read.agent_name == "李四"


def test_confirmation_is_recorded_once():
    clerk = UserFactory(roles=["clerk"])
    read = _read(make_person(), clerk)
    confirmed = services.card_read_confirm(actor=clerk, card_read=read)
    assert confirmed.confirmed_by == clerk and confirmed.reader.reader_id == "T-CARD"
    with pytest.raises(DomainError, match="已确认"):
        services.card_read_confirm(actor=clerk, card_read=read)


def test_sanctioned_person_cannot_be_settled_directly_until_the_end_date():
    office = UserFactory(roles=["office"])
    person = make_person()
    today = datetime.date.today()
    sanction = services.sanction_record(
        actor=office,
        person=person,
        category="I",
        fund_loss=Decimal("1000"),
        description="出借医保卡",
        start_date=today,
    )
    assert sanction.end_date == __import__("insured.rules", fromlist=["x"]).add_months(today, 6)
    assessment = selectors.window_assessment(person, today)
    assert assessment.direct_settlement is False
    assert any(n.rule == "INS-4" and "改变医保结算方式" in n.message for n in assessment.notices)
    assert selectors.window_assessment(person, sanction.end_date).direct_settlement is True  # ends by itself


def test_sanction_lifted_early_with_reason():
    office = UserFactory(roles=["office"])
    person = make_person()
    sanction = services.sanction_record(
        actor=office,
        person=person,
        category="II",
        fund_loss=Decimal("0"),
        description="拒不退回",
        start_date=datetime.date.today(),
    )
    with pytest.raises(DomainError, match="原因"):
        services.sanction_lift(actor=office, sanction=sanction, reason=" ")
    services.sanction_lift(actor=office, sanction=sanction, reason="已退回基金损失")
    assert not selectors.active_sanctions(person).exists()
    with pytest.raises(DomainError, match="已结束或已解除"):
        services.sanction_lift(actor=office, sanction=sanction, reason="again")


def test_non_direct_remote_person_is_told_what_to_hand_over():
    person = make_person(region="120101", insured_region="120100", direct=False)
    assessment = selectors.window_assessment(person)
    assert assessment.direct_settlement is False
    notice = next(n for n in assessment.notices if n.rule == "INS-5")
    assert "费用清单" in notice.message and "发票" in notice.message


def test_scope_restricted_person_is_warned_elsewhere():
    office = UserFactory(roles=["office"])
    person = make_person()
    services.sanction_record(
        actor=office,
        person=person,
        category="I",
        fund_loss=Decimal("3000"),
        description="冒用",
        start_date=datetime.date.today(),
        institutions=[("H61010300999", "指定医院")],
    )
    messages = [n.message for n in selectors.window_assessment(person).notices]
    assert any("本院不在其指定就医机构内" in m for m in messages)


@pytest.mark.parametrize(
    ("query", "found"), [("zs", True), ("zhangsan", True), ("张三", True), ("ls", False)]
)
def test_person_search_by_pinyin_name_and_numbers(query, found):
    person = make_person(name="张三")
    results = list(selectors.person_search(query))
    assert (person in results) is found
    assert person in list(selectors.person_search(person.psn_no[:10]))
    assert person in list(selectors.person_search(person.certno))


def test_masking_per_role():
    person = make_person()
    assert selectors.person_summary(person, UserFactory(roles=["office"]))["certno"] == person.certno
    masked = selectors.person_summary(person, UserFactory(roles=["clerk"]))
    assert masked["certno"] == person.certno[:4] + "*" * 10 + person.certno[-4:]
    assert masked["phone"] == "139****5678"


def test_registry_exported_for_the_simulated_center(tmp_path):
    from django.core.management import call_command

    from center.simulator.state import CenterState

    person = make_person(name="李雷")
    call_command("export_center_roster", output=str(tmp_path / "persons.json"), verbosity=0)
    state = CenterState(data_dir=tmp_path)
    card = person.credentials.get(mdtrt_cert_type="03")
    answer = state.handle(
        {
            "infno": "1101",
            "input": {
                "data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": card.number, "card_sn": card.card_sn}
            },
        }
    )
    assert answer["baseinfo"]["psn_no"] == person.psn_no
    assert answer["insuinfo"][0]["balc"] == 1000.0


def test_ins1_a_read_without_the_readers_signature_is_refused():
    """INS-1: the reader, not the caller, says a read came from a reader: an unsigned or wrongly
    signed read (a forwarded or typed number) is refused even with entry_mode="reader"."""
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    with pytest.raises(DomainError) as unsigned:
        _read(person, clerk, reader_mac="")
    assert unsigned.value.code == "reader_unverified" and unsigned.value.rule == "INS-1"
    with pytest.raises(DomainError) as forged:
        _read(person, clerk, reader_mac="0" * 16)
    assert forged.value.code == "reader_unverified"


def test_ins1_a_social_security_card_read_needs_its_card_serial():
    clerk = UserFactory(roles=["clerk"])
    person = make_person()
    reader = make_reader()
    card = person.credentials.get(mdtrt_cert_type="03")
    with pytest.raises(DomainError) as missing:
        services.card_read(
            actor=clerk, credential_type="03", reader_id="T-CARD", **signed(reader, card.number)
        )
    assert missing.value.code == "card_sn_required" and missing.value.rule == "INS-1"
    with pytest.raises(DomainError) as wrong:
        services.card_read(
            actor=clerk, credential_type="03", reader_id="T-CARD", **signed(reader, card.number, "WRONG-SN")
        )
    assert wrong.value.code == "card_sn_mismatch"
    read = services.card_read(
        actor=clerk, credential_type="03", reader_id="T-CARD", **signed(reader, card.number, card.card_sn)
    )
    assert read.card_sn == card.card_sn
