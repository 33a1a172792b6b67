"""Demo insured persons: a few hundred, across schemes and regions, with valid ID numbers (INS-1..INS-5).

Deterministic (a fixed seed), idempotent (keyed by psn_no). Some are sanctioned, some cannot be
settled directly, some are insured elsewhere (Tianjin, Guangxi, Chifeng, Lishui, Xiamen, Hangzhou …).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model

from insured import services
from insured.identity import GenderCode, make_ric
from insured.models import CardReader, Credential, Enrollment, InsuredPerson, Sanction

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国建华志强海燕红梅小"
    "红凤兰春梅德明文斌晓东国庆丹丹"
)

LOCAL_DISTRICTS = ["610102", "610103", "610104", "610111", "610112", "610113", "610114", "610115", "610116"]
REMOTE_REGIONS = ["120101", "450102", "150402", "331102", "350203", "330106", "110105", "310104"]

READERS = [
    ("W01-CARD", "一号窗口读卡器", CardReader.Kind.CARD, "门诊收费一号窗口"),
    ("W01-SCAN", "一号窗口扫码器", CardReader.Kind.SCANNER, "门诊收费一号窗口"),
    ("ZY-CARD", "住院处读卡器", CardReader.Kind.CARD, "住院收费处"),
]

# Persons the README, the tests and the simulator refer to by number.
KNOWN = [
    # psn_no, name, region, birth, gender, insutype, balance, direct, sanction (category, loss) or None
    (
        "61010000000000000001",
        "张伟",
        "610103",
        datetime.date(1980, 1, 1),
        GenderCode.MALE,
        "310",
        "3200.00",
        True,
        None,
    ),
    (
        "61010000000000000002",
        "李娜",
        "610102",
        datetime.date(1955, 3, 15),
        GenderCode.FEMALE,
        "390",
        None,
        True,
        None,
    ),
    (
        "61010000000000000003",
        "王强",
        "610113",
        datetime.date(1972, 6, 9),
        GenderCode.MALE,
        "310",
        "860.50",
        True,
        ("I", "3000.00"),
    ),
    (
        "61010000000000000004",
        "赵敏",
        "610111",
        datetime.date(1990, 11, 2),
        GenderCode.FEMALE,
        "310",
        "150.00",
        True,
        ("I", "500.00"),
    ),
    (
        "12010000000000000005",
        "刘洋",
        "120101",
        datetime.date(1985, 4, 20),
        GenderCode.MALE,
        "310",
        "2400.00",
        False,
        None,
    ),
]


def _person_rows(rng: random.Random):
    yield from KNOWN
    for index in range(6, 306):
        remote = index % 7 == 0
        region = rng.choice(REMOTE_REGIONS if remote else LOCAL_DISTRICTS)
        gender = GenderCode.MALE if index % 2 else GenderCode.FEMALE
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 80))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        insutype = rng.choice(
            ["310", "310", "390", "390", "340"] if birth.year < 1950 else ["310", "310", "390"]
        )
        balance = f"{rng.randint(0, 800000) / 100:.2f}" if insutype == "310" else None
        direct = not (remote and index % 3 == 0)
        sanction = None
        if index % 40 == 0:
            sanction = (rng.choice(["I", "III", "IV"]), f"{rng.choice([800, 1500, 2500, 3500])}.00")
        psn_no = f"{region[:4]}00{index:014d}"
        yield psn_no, name, region, birth, gender, insutype, balance, direct, sanction


def seed(log) -> None:
    actor = get_user_model().objects.filter(username="office").first()
    for reader_id, name, kind, location in READERS:
        CardReader.objects.update_or_create(
            reader_id=reader_id, defaults={"name": name, "kind": kind, "location": location}
        )
    rng = random.Random(20261124)
    created = sanctioned = 0
    for psn_no, name, region, birth, gender, insutype, balance, direct, sanction in _person_rows(rng):
        certno = make_ric(region, birth, int(psn_no[-3:]), gender)
        person, is_new = services.person_register(
            actor=actor,
            psn_no=psn_no,
            cert_type_code="01",
            certno=certno,
            name=name,
            insuplc_admdvs=region[:4] + "00" if region[:4] != "6101" else "610100",
            phone=f"139{int(psn_no[-8:]):08d}",
        )
        created += is_new
        if not person.enrollments.filter(status=Enrollment.Status.ACTIVE).exists():
            psn_type = {"310": "11" if birth.year > 1966 else "21", "340": "31", "390": "41"}[insutype]
            services.enrollment_add(
                actor=actor,
                person=person,
                insutype_code=insutype,
                psn_type_code=psn_type,
                start_date=datetime.date(2015, 1, 1),
                balance=Decimal(balance) if balance else None,
                direct_settlement_allowed=direct,
                emp_name="西安示范机械有限公司" if insutype == "310" else "",
            )
            if insutype == "310" and int(psn_no[-2:]) % 5 == 0:
                services.enrollment_add(
                    actor=actor,
                    person=person,
                    insutype_code="330",
                    psn_type_code=psn_type,
                    start_date=datetime.date(2015, 1, 1),
                )
        services.credential_add(actor=actor, person=person, cert_type=Credential.Type.ID_CARD, number=certno)
        services.credential_add(
            actor=actor, person=person, cert_type=Credential.Type.E_VOUCHER, number=f"EC{psn_no[-16:]}"
        )
        services.credential_add(
            actor=actor,
            person=person,
            cert_type=Credential.Type.SOCIAL_SECURITY_CARD,
            number=f"A{psn_no[-11:]}",
            card_sn=f"{region}K{psn_no[-8:]}",
        )
        if sanction and not person.sanctions.exists():
            category, loss = sanction
            services.sanction_record(
                actor=actor,
                person=person,
                category=category,
                fund_loss=Decimal(loss),
                description="演示数据：将本人医保卡出借他人使用" if category == "I" else "演示数据：重复开药",
                evidence="稽核记录（演示）",
                start_date=datetime.date(2026, 9, 1),
            )
            sanctioned += 1
    # One lost card: the window must refuse it with a reason (INS-1).
    lost = InsuredPerson.objects.get(psn_no="61010000000000000004")
    Credential.objects.filter(person=lost, mdtrt_cert_type=Credential.Type.SOCIAL_SECURITY_CARD).update(
        status=Credential.Status.LOST
    )
    log(
        f"参保人员：{InsuredPerson.objects.count()} 人（本次新增 {created}），"
        f"违规处理 {Sanction.objects.count()} 条，读卡设备 {len(READERS)} 台"
    )
