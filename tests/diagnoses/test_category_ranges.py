"""RX-2 category ranges as data: seeded defaults, no overlap within a validity, D4 (a range in force is
only closed), history, and the selectors other apps call."""

import datetime

import pghistory
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from diagnoses import selectors, services
from diagnoses.models import DiseaseCategoryRange
from diagnoses.rules import Rx2Category

pytestmark = pytest.mark.django_db
JUNE = datetime.date(2026, 6, 1)
FUTURE = datetime.date(2099, 1, 1)


def test_seeded_ranges_hold_the_six_specified_diseases():
    """RX-2 (seed 000 §4 二.3): 肝炎, 结核病, 精神病, 恶性肿瘤, 糖尿病, 冠心病."""
    specified = DiseaseCategoryRange.objects.filter(category="specified")
    assert set(specified.values_list("specified_disease", flat=True)) == {
        "肝炎",
        "结核病",
        "精神病",
        "恶性肿瘤",
        "糖尿病",
        "冠心病",
    }
    assert set(DiseaseCategoryRange.objects.values_list("effective_from", flat=True)) == {
        datetime.date(2000, 1, 1)
    }


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("E11.9", Rx2Category("specified", "糖尿病", "E10–E14")),
        ("E11.900", Rx2Category("specified", "糖尿病", "E10–E14")),
        ("E11", Rx2Category("specified", "糖尿病", "E10–E14")),
        ("E15", Rx2Category("general")),
        ("B19", Rx2Category("specified", "肝炎", "B15–B19")),
        ("B20", Rx2Category("general")),
        ("I25.1", Rx2Category("specified", "冠心病", "I20–I25")),
        ("I26", Rx2Category("general")),
        ("I10", Rx2Category("chronic", "", "I10–I15")),
        ("J06.9", Rx2Category("acute", "", "J00–J06")),
        ("Z00.0", Rx2Category("general")),
    ],
)
def test_rx2_category_from_the_table(code, expected):
    assert selectors.rx2_category(code, JUNE) == expected


def test_rx2_categories_is_one_query_keyed_by_the_codes_as_given(django_assert_num_queries):
    codes = ["E11.900", " e11.9", "B20", "F39", "F40", "C97"]
    with django_assert_num_queries(1):
        result = selectors.rx2_categories(codes, JUNE)
    assert list(result) == codes
    assert [r.category for r in result.values()] == [
        "specified",
        "specified",
        "general",
        "specified",
        "general",
        "specified",
    ]


def test_rx2_categories_follow_the_ranges_valid_on_the_day():
    gout = DiseaseCategoryRange.objects.get(code_from="M10")
    gout.effective_to = datetime.date(2026, 7, 1)
    gout.save()  # a test shortcut past the D4 check: history, not today's admin action
    DiseaseCategoryRange.objects.create(
        code_from="M10", code_to="M10", category="acute", effective_from=datetime.date(2026, 7, 1)
    )
    assert selectors.rx2_category("M10.0", JUNE).category == "chronic"
    assert selectors.rx2_category("M10.0", datetime.date(2026, 7, 1)).category == "acute"


def _new_range(**values):
    return DiseaseCategoryRange(**{"category": "chronic", "effective_from": FUTURE, **values})


def test_overlap_within_the_same_validity_is_refused_by_clean():
    candidate = _new_range(code_from="E14", code_to="E16", effective_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        candidate.full_clean()
    assert refused.value.messages == [
        "与已有范围 E10–E14 特定病种(30天) 糖尿病（2000-01-01 起长期有效）重叠："
        "同一日期每个类目只能属于一个类别（RX-2）。"
    ]


def test_overlap_is_allowed_once_the_other_range_is_closed():
    hypertension = DiseaseCategoryRange.objects.get(code_from="I10")
    hypertension.effective_to = FUTURE
    hypertension.save()
    _new_range(code_from="I10", code_to="I10", category="specified", specified_disease="高血压").full_clean()
    too_early = _new_range(code_from="I10", code_to="I10", effective_from=datetime.date(2098, 12, 31))
    with pytest.raises(ValidationError):
        too_early.full_clean()


def test_adjacent_ranges_do_not_overlap():
    _new_range(code_from="E15", code_to="E16", effective_from=JUNE).full_clean()
    _new_range(code_from="B20", code_to="B24", effective_from=JUNE).full_clean()


def test_the_database_refuses_an_overlap_that_skips_clean():
    with pytest.raises(IntegrityError), transaction.atomic():
        _new_range(code_from="A00", code_to="Z99").save()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code_from": "E1", "code_to": "E14"}, "起止类目应为 3 位 ICD-10 类目，如 E10（RX-2）。"),
        ({"code_from": "E16", "code_to": "E15"}, "起始类目不得大于终止类目（RX-2）。"),
        (
            {"code_from": "E15", "code_to": "E15", "category": "specified"},
            "特定病种须填写病种名称，其他类别不填（RX-2）。",
        ),
        (
            {"code_from": "E15", "code_to": "E15", "specified_disease": "糖尿病"},
            "特定病种须填写病种名称，其他类别不填（RX-2）。",
        ),
    ],
)
def test_range_format_is_checked(values, message):
    with pytest.raises(ValidationError) as refused:
        _new_range(**values).full_clean()
    assert refused.value.messages == [message]


def test_create_normalises_codes_and_keeps_history(django_user_model):
    admin = django_user_model.objects.create_user("rx2-admin")
    created = services.category_range_create(
        actor=admin, code_from=" e15", code_to="e16 ", category="chronic", effective_from=FUTURE
    )
    assert (created.code_from, created.code_to, created.created_by) == ("E15", "E16", admin)
    assert [e.pgh_label for e in pghistory.models.Events.objects.references(created)] == ["insert"]


def test_service_refusal_carries_code_rule_and_chinese_message():
    with pytest.raises(DomainError) as refused:
        services.category_range_create(
            actor=None, code_from="E11", code_to="E11", category="chronic", effective_from=FUTURE
        )
    error = refused.value
    assert (error.code, error.rule) == ("category_range_invalid", "RX-2")
    assert "重叠" in error.message and error.errors["non_field_errors"] == [error.message]


def test_a_range_in_force_is_only_closed_never_edited():
    """D4: changing a range in force would re-classify prescriptions already written."""
    diabetes = DiseaseCategoryRange.objects.get(code_from="E10")
    with pytest.raises(DomainError) as refused:
        services.category_range_update(actor=None, category_range=diabetes, category="chronic")
    assert "不得修改" in refused.value.message and refused.value.rule == "RX-2"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        services.category_range_update(actor=None, category_range=diabetes, effective_to=yesterday)
    assert refused.value.errors == {
        "effective_to": ["失效日期不得早于今天：已开出的处方按当时的类别（RX-2）。"]
    }
    closed = services.category_range_update(actor=None, category_range=diabetes, effective_to=FUTURE)
    assert closed.effective_to == FUTURE
    labels = [e.pgh_label for e in pghistory.models.Events.objects.references(closed)]
    assert labels == ["insert", "update"]


def test_a_future_range_may_still_be_edited():
    planned = services.category_range_create(
        actor=None, code_from="E15", code_to="E15", category="chronic", effective_from=FUTURE
    )
    edited = services.category_range_update(actor=None, category_range=planned, code_to="E16", note="计划")
    assert (edited.code_to, edited.note) == ("E16", "计划")


def test_a_concurrent_overlap_caught_by_the_database_is_a_conflict(monkeypatch):
    """Two admins at once: both pass clean(); the exclusion constraint refuses the second."""
    monkeypatch.setattr(DiseaseCategoryRange, "_refuse_overlap", lambda self: None)
    with pytest.raises(ConflictError) as refused:
        services.category_range_create(
            actor=None, code_from="E11", code_to="E11", category="chronic", effective_from=FUTURE
        )
    assert (refused.value.code, refused.value.rule, refused.value.status_code) == (
        "category_range_overlap",
        "RX-2",
        409,
    )
