"""Documents a patient takes home (issue 19): 结算单 (A4 and 80 mm), 医疗保障基金结算清单, the reversal
slip (SET-9), each as a print page and a PDF whose text carries the header, dates and the settlement's
totals; the outpatient receipt says 门诊号."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.roles import Role
from settlement import documents, services
from settlement.models import Settlement
from tests.factories import UserFactory
from tests.insured.factories import make_person
from tests.matrix import Endpoint, check_access, matrix_cases
from tests.settlement.test_settle import discharged_stay

D = Decimal


def pdf_text(response) -> str:
    from pypdf import PdfReader

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(response) -> set[str]:
    """Names of the fonts whose font file is inside the PDF (Type0 fonts keep it in a descendant)."""
    from pypdf import PdfReader

    embedded = set()
    for page in PdfReader(io.BytesIO(response.content)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for part in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = part.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(part["/BaseFont"]))
    return embedded


def clerk() -> Client:
    client = Client()
    client.force_login(UserFactory(roles=[Role.CLERK], first_name="李收费"))
    return client


@pytest.fixture
def settled(center):
    """The 720.00 stay of test_settle with a 200.00 account: fund 0 (all 381.00 in scope goes to the
    500 deductible), so the personal burden is 720.00 = account 200.00 + cash 520.00."""
    hospital, stay = discharged_stay(center, person=make_person(balance="200.00", name="王秀英"))
    settlement = services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="doc-1")
    assert (settlement.total, settlement.personal_account_pay, settlement.cash_pay) == (
        D("720.00"),
        D("200.00"),
        D("520.00"),
    )
    return stay, settlement


def _dates(stay) -> tuple[str, str]:
    return (
        f"{timezone.localtime(stay.admitted_at):%Y-%m-%d}",
        f"{timezone.localtime(stay.discharged_at):%Y-%m-%d}",
    )


@pytest.mark.django_db
def test_a4_receipt_pdf_carries_header_dates_days_department_and_every_payer(settled, artifacts_dir):
    stay, settlement = settled
    admitted, discharged = _dates(stay)
    response = clerk().get(f"/settlement/{settlement.pk}/receipt.pdf")
    assert response.status_code == 200
    (artifacts_dir / "doc-settlement-receipt-a4.pdf").write_bytes(response.content)
    text = pdf_text(response)
    for expected in (
        "西安市示范第一人民医院",
        "住院医疗费用结算单",
        "王秀英",
        "普通住院",  # 医疗类别 by name, not "21"
        "住院号",
        stay.ipt_no,
        "呼吸内科",
        admitted,
        discharged,
        "720.00",  # total
        "200.00",  # personal account
        "520.00",  # cash
        "医院负担",
        "个人账户支付",
    ):
        assert expected in text, expected
    assert "acct_used_flag" not in text and "_amt" not in text
    # Fonts are embedded (no tofu on a machine without them): a CJK font file in the PDF.
    assert any("CJK" in name for name in pdf_fonts(response))


@pytest.mark.django_db
def test_80mm_receipt_is_a_narrow_page_with_the_same_totals(settled, artifacts_dir):
    from pypdf import PdfReader

    _, settlement = settled
    response = clerk().get(f"/settlement/{settlement.pk}/receipt.pdf?paper=r80")
    (artifacts_dir / "doc-settlement-receipt-80mm.pdf").write_bytes(response.content)
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 80  # 80 mm wide
    text = pdf_text(response)
    assert "住院医疗费用结算单" in text and "520.00" in text and "720.00" in text and "普通住院" in text
    page = clerk().get(f"/settlement/{settlement.pk}/receipt/?paper=r80")
    assert page.status_code == 200 and "paper-r80" in page.content.decode()


@pytest.mark.django_db
def test_settlement_list_pdf_is_the_national_layout_with_fee_categories_and_over_limit(
    settled, artifacts_dir
):
    """Fee categories by hand: 床位费 120 = 甲类 105 + 自费 15 (3 × (40 − 35) over the standard, FEE-1);
    检查费 (CT) 300 乙类; 其他费 (健康体检, FEE-6) 300 自费. 个人自费 = 300 + 15 = 315; 个人自付 =
    720 − 315 = 405 (24 class-B share + 381 deductible)."""
    stay, settlement = settled
    admitted, discharged = _dates(stay)
    response = clerk().get(f"/settlement/{settlement.pk}/list.pdf")
    assert response.status_code == 200
    (artifacts_dir / "doc-settlement-list.pdf").write_bytes(response.content)
    text = pdf_text(response)
    for expected in (
        "医疗保障基金结算清单",
        "西安市示范第一人民医院",
        "H61010300123",
        "王秀英",
        admitted,
        discharged,
        "J18.9",
        "床位费",
        "检查费",
        "其他费",
        "105.00",
        "15.00",
        "315.00",  # 个人自费
        "405.00",  # 个人自付
        "720.00",
        "520.00",
        "医疗机构填报人",
        "医保机构经办人",
    ):
        assert expected in text, expected
    assert "ADM-9" not in text.splitlines()[0]
    doc = documents.settlement_list(documents.load_settlement(settlement.pk))
    rows = {row["name"]: row for row in doc["fee_table"]}
    assert (rows["床位费"]["total"], rows["床位费"]["class_a"], rows["床位费"]["self_paid"]) == (
        "120.00",
        "105.00",
        "15.00",
    )
    assert (rows["检查费"]["class_b"], rows["其他费"]["self_paid"]) == ("300.00", "300.00")
    assert doc["fee_total"] == "720.00" and doc["over_limit_total"] == "15.00"


@pytest.mark.django_db
def test_reversal_slip_shows_what_comes_back(settled, artifacts_dir):
    stay, settlement = settled
    services.settlement_reverse(
        actor=UserFactory(roles=[Role.CLERK]), settlement=settlement, reason="诊断有误"
    )
    client = clerk()
    page = client.get(f"/settlement/{settlement.pk}/reversal/")
    assert page.status_code == 200 and "结算撤销（退费）凭证" in page.content.decode()
    response = client.get(f"/settlement/{settlement.pk}/reversal.pdf")
    (artifacts_dir / "doc-reversal-slip-80mm.pdf").write_bytes(response.content)
    text = pdf_text(response)
    assert "诊断有误" in text and "520.00" in text and "200.00" in text and stay.ipt_no in text


@pytest.mark.django_db
def test_no_reversal_slip_for_a_settlement_in_force(settled):
    _, settlement = settled
    assert clerk().get(f"/settlement/{settlement.pk}/reversal/").status_code == 404


@pytest.mark.django_db
def test_settlement_time_is_the_centers():
    settlement = Settlement(center_answer={"setl_time": "2026-03-04 10:05:06"}, settled_at=None)
    assert timezone.localtime(documents.center_settled_at(settlement)) == timezone.make_aware(
        datetime.datetime(2026, 3, 4, 10, 5, 6)
    )
    fallback = timezone.now()
    assert documents.center_settled_at(Settlement(center_answer={}, settled_at=fallback)) == fallback


@pytest.mark.parametrize(
    ("value", "printed"),
    [(D("12"), "12.00"), (D("0.005"), "0.01"), (D("1234.5"), "1234.50"), (None, "0.00")],
)
def test_amounts_always_have_two_decimals(value, printed):
    assert documents.amount(value) == printed


@pytest.mark.parametrize(
    ("item_type", "name", "category"),
    [
        ("western", "阿莫西林胶囊", "09"),
        ("patent", "连花清瘟胶囊", "11"),
        ("herbal", "黄芪", "10"),
        ("consumable", "一次性输液器", "08"),
        ("service", "床位费（三人间）", "01"),
        ("service", "CT 平扫", "03"),
        ("service", "血常规", "04"),
        ("service", "普通门诊诊查费", "02"),
        ("service", "静脉输液", "05"),
        ("service", "阑尾切除术（手术）", "06"),
        ("service", "一级护理", "07"),
        ("service", "健康体检", "14"),
    ],
)
def test_fee_category_of_the_settlement_list(item_type, name, category):
    assert documents.fee_category(item_type, name) == category


@pytest.mark.django_db
def test_daily_list_prints_as_an_80mm_receipt_one_item_a_line(center, artifacts_dir):
    """ADM-9 on the day of the charges: 床位 3 × 40.00 = 120.00 (15.00 over the standard), CT 2 × 150.00
    = 300.00, 健康体检 300.00 self-paid (FEE-6): day total 720.00, self-paid 300.00 + 15.00 = 315.00."""
    from pypdf import PdfReader

    _, stay = discharged_stay(center)
    day = f"{timezone.localtime(stay.admitted_at + datetime.timedelta(hours=1)):%Y-%m-%d}"
    client = Client()
    client.force_login(UserFactory(roles=[Role.NURSE]))
    page = client.get(f"/admission/{stay.pk}/daily/{day}/receipt/")
    assert page.status_code == 200 and "paper-r80" in page.content.decode()
    response = client.get(f"/admission/{stay.pk}/daily/{day}/receipt.pdf")
    (artifacts_dir / "doc-daily-list-80mm.pdf").write_bytes(response.content)
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 80
    text = pdf_text(response)
    for expected in (
        "住院费用每日清单",
        stay.ipt_no,
        "床位费（三人间）",
        "3 × 40.00",
        "120.00",
        "720.00",
        "315.00",
    ):
        assert expected in text, expected


PRINT_PAGES = [
    Endpoint("GET", f"/settlement/999999/{name}", allowed={Role.CLERK, Role.OFFICE}, kind="page")
    for name in (
        "receipt/",
        "receipt.pdf",
        "list/",
        "list.pdf",
        "reversal/",
        "reversal.pdf",
        "refund/",
        "refund.pdf",
    )
] + [
    Endpoint("POST", "/settlement/stays/999999/confirm/", allowed={Role.CLERK}, kind="page", data={}),
    Endpoint(
        "GET", "/admission/999999/daily/2026-01-05/receipt/", allowed={Role.CLERK, Role.NURSE}, kind="page"
    ),
    Endpoint(
        "GET", "/admission/999999/daily/2026-01-05/receipt.pdf", allowed={Role.CLERK, Role.NURSE}, kind="page"
    ),
]


@pytest.mark.parametrize(("endpoint", "who"), matrix_cases(PRINT_PAGES))
@pytest.mark.django_db
def test_print_page_permission_matrix(endpoint, who, client_for):
    check_access(client_for(who), endpoint, who)


@pytest.mark.django_db
def test_settle_queue_holds_discharged_stays_until_settled(center):
    from settlement.queue import settle_queue

    hospital, stay = discharged_stay(center)
    queue = settle_queue()
    assert [row["stay"].pk for row in queue["stays"]] == [stay.pk] and queue["stay_count"] == 1
    assert queue["stays"][0]["med_type"] == "普通住院" and queue["stays"][0]["days"] >= 1
    services.stay_settle(actor=hospital.clerk, stay=stay, idempotency_key="queue-1")
    assert settle_queue()["stays"] == []
