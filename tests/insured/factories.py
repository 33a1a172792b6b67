import datetime
from decimal import Decimal

from insured import services
from insured.identity import GenderCode, make_ric
from insured.models import CardReader, Credential

_counter = iter(range(1, 10_000_000))


def make_person(
    *,
    region="610103",
    birth=datetime.date(1980, 5, 17),
    gender=GenderCode.MALE,
    name="张三",
    insutype="310",
    balance="1000.00",
    direct=True,
    insured_region="610100",
    actor=None,
):
    """A registered person with an active basic enrollment and the three window credentials."""
    n = next(_counter)
    certno = make_ric(region, birth, n * 2, gender)  # parity adjusts upward: keep numbers apart
    person, _ = services.person_register(
        actor=actor,
        psn_no=f"{insured_region}{n:014d}",
        cert_type_code="01",
        certno=certno,
        name=name,
        insuplc_admdvs=insured_region,
        phone="13912345678",
    )
    services.enrollment_add(
        actor=actor,
        person=person,
        insutype_code=insutype,
        psn_type_code="11" if insutype == "310" else "41",
        start_date=datetime.date(2020, 1, 1),
        balance=Decimal(balance) if balance and insutype == "310" else None,
        direct_settlement_allowed=direct,
    )
    services.credential_add(actor=actor, person=person, cert_type=Credential.Type.ID_CARD, number=certno)
    services.credential_add(
        actor=actor, person=person, cert_type=Credential.Type.E_VOUCHER, number=f"EC{n:016d}"
    )
    services.credential_add(
        actor=actor,
        person=person,
        cert_type=Credential.Type.SOCIAL_SECURITY_CARD,
        number=f"A{n:011d}",
        card_sn=f"SN{n:08d}",
    )
    return person


def make_reader(reader_id="T-CARD"):
    return CardReader.objects.get_or_create(
        reader_id=reader_id, defaults={"name": "测试读卡器", "kind": "card"}
    )[0]


def signed(reader, value: str, card_sn: str = "") -> dict:
    """What a registered reader sends with a read: the credential, the card serial and its signature."""
    from insured.rules import reader_mac

    return {
        "credential_value": value,
        "card_sn": card_sn,
        "reader_mac": reader_mac(reader.secret, value, card_sn),
    }
