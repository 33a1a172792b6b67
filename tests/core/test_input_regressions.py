"""Issue 19 (1): each ordinary mistake of the issue's "Why" answers in Chinese beside the field, keeps
what was typed, and saves nothing — never a server error."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from admission.models import Order
from core.roles import Role
from fees.models import FeeLine
from insured.models import Sanction
from tests.admission.factories import admit, make_catalog_items, make_hospital, order
from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db
KEYS = {"code", "message", "rule", "errors"}


def _client(role: Role, **kwargs):
    user = UserFactory(roles=[role])
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client, user


@pytest.fixture
def ward():
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital)
    return hospital, items, stay


def _doctor(hospital):
    client, user = _client(Role.DOCTOR)
    PractitionerFactory(user=user, department=hospital.department)
    return client


def test_order_item_typed_but_not_picked_is_a_field_error_with_the_text_kept(ward):
    hospital, _, stay = ward
    response = _doctor(hospital).post(
        f"/admission/{stay.pk}/orders/",
        {"hospital_item": "", "hospital_item_label": "ct平扫", "kind": "temporary", "quantity": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请从下拉列表中选择项目" in html
    assert 'value="ct平扫"' in html  # what the doctor typed is still in the box
    assert not Order.objects.filter(stay=stay).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("frequency", "q8h-night", "频次不超过 5 个字符"),
        ("quantity", "99999999999", "确保该值小于或等于99999"),
        ("quantity", "1e3", "不接受科学计数法"),
        ("quantity", "NaN", "不接受科学计数法"),
        ("quantity", "0", "数量须大于 0"),
    ],
)
def test_order_bounds_answer_beside_the_field(ward, field, value, message):
    hospital, items, stay = ward
    data = {"hospital_item": items["H-CT"].pk, "kind": "temporary", "quantity": "1", "frequency": "qd"}
    response = _doctor(hospital).post(f"/admission/{stay.pk}/orders/", {**data, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html.replace(" ", "") or message in html
    assert f'value="{value}"' in html
    assert not Order.objects.filter(stay=stay).exists()


@pytest.mark.parametrize("quantity", ["1e3", "99999999999", "NaN", "-inf", "１e３"])
def test_charge_entry_refuses_1e3_bed_days_and_keeps_the_entry(ward, quantity):
    """FEE-2: "1e3" was read as 1000 bed-days (¥35,000 in one entry)."""
    hospital, items, stay = ward
    bed_order = order(hospital, stay, items["H-BED"])
    clerk, _ = _client(Role.CLERK)
    when = timezone.localtime(stay.admitted_at + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = clerk.post(
        f"/admission/{stay.pk}/charges/", {"order": bed_order.pk, "quantity": quantity, "charged_at": when}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请输入普通数字" in html or "确保该值小于或等于" in html
    assert f'value="{quantity}"' in html
    assert f'value="{bed_order.pk}" data-keys' in html and "selected" in html
    assert not FeeLine.objects.filter(stay=stay).exists()


def test_charge_entry_full_width_quantity_is_read_as_digits(ward):
    hospital, items, stay = ward
    bed_order = order(hospital, stay, items["H-CT"])
    clerk, _ = _client(Role.CLERK)
    when = timezone.localtime(stay.admitted_at + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = clerk.post(
        f"/admission/{stay.pk}/charges/", {"order": bed_order.pk, "quantity": "２", "charged_at": when}
    )
    assert response.status_code == 302
    assert FeeLine.objects.get(stay=stay).quantity == 2


def test_charge_entry_without_an_order_or_with_a_foreign_one_is_a_field_error(ward):
    hospital, items, stay = ward
    other_stay = admit(hospital, bed=1)
    foreign = order(hospital, other_stay, items["H-CT"])
    clerk, _ = _client(Role.CLERK)
    for value in ("", "abc", "99999999999999999999", "-1", str(foreign.pk)):
        response = clerk.post(f"/admission/{stay.pk}/charges/", {"order": value, "quantity": "1"})
        assert response.status_code == 400, value
        assert "医嘱" in response.content.decode()


def test_sanction_form_keeps_every_field_and_the_chosen_category(client_for):
    """INS-4: a refused entry used to fall back to 第一类 and lose every field."""
    from tests.insured.factories import make_person

    person = make_person()
    office = client_for(Role.OFFICE)
    response = office.post(
        f"/insured/persons/{person.psn_no}/sanctions/",
        {
            "category": "III",
            "fund_loss": "1e3",
            "description": "冒名就医三次",
            "evidence": "监控录像",
            "start_date": "2026-13-45",
            "institutions": "H61010300123 西安市示范第一人民医院",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert '<option value="III" selected>' in html
    assert '<option value="I" selected>' not in html
    assert "冒名就医三次" in html and "监控录像" in html and "H61010300123 西安市示范第一人民医院" in html
    assert 'value="1e3"' in html and "不接受科学计数法" in html
    assert 'value="2026-13-45"' in html and "请输入有效日期" in html
    assert not Sanction.objects.filter(person=person).exists()


def test_calculator_lists_errors_in_chinese_not_an_errordetail_dump(client_for):
    response = client_for(Role.CLERK).post(
        "/settlement/calculator/",
        {
            "mode": "given",
            "deductible": "abc",
            "fund_ratio": "2",
            "amount": ["1e3", "NaN"],
            "quantity": ["", ""],
            "unit_price": ["", ""],
            "insurance_class": ["A", "Z"],
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "ErrorDetail" not in html and "{'" not in html
    assert "第 1 行 金额：" in html and "第 2 行 类别：" in html
    assert "起付线：" in html and "统筹支付比例：" in html


def test_long_search_is_refused_politely_in_chinese(client_for):
    office = client_for(Role.OFFICE)
    essay = office.get("/insured/persons/", {"q": "张" * 3000})  # 27,000 bytes encoded
    assert essay.status_code == 414
    assert "检索条件过长" in essay.content.decode()
    long = office.get("/insured/persons/", {"q": "z" * 150})
    html = long.content.decode()
    assert long.status_code == 400
    assert "检索词不超过 100 个字符" in html and "z" * 150 in html
    api = office.get("/api/v1/insured/persons/", {"q": "张" * 3000})
    assert api.status_code == 414 and set(api.json()) == KEYS and "检索条件过长" in api.json()["message"]


def test_nul_characters_are_refused_at_the_edge(client_for):
    office = client_for(Role.OFFICE)
    page = office.get("/insured/persons/?q=%00")
    assert page.status_code == 400 and "空字符" in page.content.decode()
    api = office.post(
        "/api/v1/insured/sanctions/1/lift/", '{"reason": "a\\u0000b"}', content_type="application/json"
    )
    assert api.status_code == 400 and set(api.json()) == KEYS and api.json()["code"] == "nul_character"


def test_a_body_over_the_upload_limit_is_refused_with_the_limit(client_for, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    response = client_for(Role.OFFICE).post(
        "/api/v1/insured/roster-imports/", "x" * (1024 * 1024 + 10), content_type="text/csv"
    )
    assert response.status_code == 413
    assert set(response.json()) == KEYS and "1 MB" in response.json()["message"]


def test_csrf_failure_is_a_chinese_page():
    client = Client(enforce_csrf_checks=True)
    user = UserFactory(roles=[Role.OFFICE])
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/insured/import/", {})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()
