"""目录对照 services: map, approve, reject; the transitions; FEE-1 (only an approved mapping is paid)."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import ConflictError, DomainError
from drug_catalog.models import HospitalItem
from drug_catalog.services import hospital_item_approve, hospital_item_map, hospital_item_reject
from tests.drug_catalog.factories import HospitalItemFactory, make_catalog
from tests.factories import UserFactory

Status = HospitalItem.MappingStatus
AMOXICILLIN = "XJ01CAA040A00100000"
DAY = datetime.date(2026, 12, 1)


@pytest.fixture
def office(db):
    make_catalog()
    return UserFactory()


@pytest.fixture
def item(db):
    return HospitalItemFactory(name="阿莫西林胶囊（院内）")


def test_fee_1_an_unmapped_item_is_full_self_pay(item):
    assert item.mapping_status == Status.UNMAPPED
    assert item.fund_payable is False and item.fund_payable_on(DAY) is False
    assert item.self_pay_reason == "未对照，全自费"


def test_mapping_waits_for_the_center_and_stays_self_pay(office, item):
    mapped = hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN.lower())
    assert (mapped.mapping_status, mapped.med_list_codg) == (Status.PENDING, AMOXICILLIN)
    assert (mapped.mapped_by, mapped.updated_by) == (office, office) and mapped.mapped_at is not None
    assert mapped.fund_payable is False
    assert mapped.self_pay_reason == "待中心审核，审核通过前全自费"


def test_a_code_not_in_the_catalog_in_force_is_refused(office, item):
    with pytest.raises(DomainError) as refused:
        hospital_item_map(actor=office, item=item, med_list_codg="XNOTINCATALOG")
    assert refused.value.code == "national_item_unknown"
    item.refresh_from_db()
    assert item.mapping_status == Status.UNMAPPED and item.med_list_codg == ""
    with pytest.raises(DomainError, match="请选择医保目录条目"):
        hospital_item_map(actor=office, item=item, med_list_codg="  ")


def test_approval_pays_from_its_start_date_until_its_end_date(office, item):
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    reviewer = UserFactory()
    approved = hospital_item_approve(
        actor=reviewer, item=item, begndate=DAY, enddate=datetime.date(2027, 1, 1)
    )
    assert approved.mapping_status == Status.APPROVED and approved.fund_payable is True
    assert (approved.mapped_from, approved.reviewed_by, approved.mapped_by) == (DAY, reviewer, office)
    assert approved.self_pay_reason == ""
    # FEE-1 on a date of care: both sides of both boundaries
    assert approved.fund_payable_on(datetime.date(2026, 11, 30)) is False
    assert approved.fund_payable_on(DAY) is True
    assert approved.fund_payable_on(datetime.date(2026, 12, 31)) is True
    assert approved.fund_payable_on(datetime.date(2027, 1, 1)) is False


def test_an_end_date_not_after_the_start_is_refused(office, item):
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    with pytest.raises(DomainError, match="失效日期必须晚于生效日期"):
        hospital_item_approve(actor=office, item=item, begndate=DAY, enddate=DAY)


def test_rejection_needs_a_reason_and_keeps_the_item_self_pay(office, item):
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    with pytest.raises(DomainError, match="请填写拒绝原因"):
        hospital_item_reject(actor=office, item=item, reason="  ")
    rejected = hospital_item_reject(actor=office, item=item, reason="规格不一致")
    assert (rejected.mapping_status, rejected.reject_reason) == (Status.REJECTED, "规格不一致")
    assert rejected.fund_payable is False and rejected.self_pay_reason == "中心已拒绝，全自费"
    assert rejected.med_list_codg == AMOXICILLIN  # what the center refused stays visible
    again = hospital_item_map(actor=office, item=item, med_list_codg="XJ01CAA040A00100100")
    assert (again.mapping_status, again.reject_reason, again.reviewed_by) == (Status.PENDING, "", None)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.UNMAPPED, "approve"),
        (Status.UNMAPPED, "reject"),
        (Status.APPROVED, "approve"),
        (Status.APPROVED, "reject"),
        (Status.REJECTED, "approve"),
        (Status.REJECTED, "reject"),
    ],
)
def test_only_a_pending_mapping_can_be_reviewed(office, status, action):
    item = HospitalItemFactory(
        mapping_status=status,
        med_list_codg="" if status == Status.UNMAPPED else AMOXICILLIN,
        mapped_from=DAY if status == Status.APPROVED else None,
        reject_reason="规格不一致" if status == Status.REJECTED else "",
    )
    with pytest.raises(ConflictError) as refused:
        if action == "approve":
            hospital_item_approve(actor=office, item=item, begndate=DAY)
        else:
            hospital_item_reject(actor=office, item=item, reason="不符")
    assert refused.value.status_code == 409 and "不能改为" in refused.value.message
    item.refresh_from_db()
    assert item.mapping_status == status


def test_remapping_an_approved_item_needs_a_new_approval(office, item):
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    hospital_item_approve(actor=office, item=item, begndate=DAY)
    remapped = hospital_item_map(actor=office, item=item, med_list_codg="XJ01CAA040A00100100")
    assert remapped.mapping_status == Status.PENDING and remapped.mapped_from is None
    assert remapped.fund_payable is False


def test_every_step_is_kept_in_the_history_with_the_acting_user(office, item):
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    hospital_item_reject(actor=office, item=item, reason="规格不一致")
    hospital_item_map(actor=office, item=item, med_list_codg=AMOXICILLIN)
    hospital_item_approve(actor=office, item=item, begndate=DAY)
    events = HospitalItem.pgh_event_model.objects.filter(pgh_obj=item).order_by("pgh_id")
    assert [(e.pgh_label, e.mapping_status) for e in events] == [
        ("insert", "unmapped"),
        ("update", "pending"),
        ("update", "rejected"),
        ("update", "pending"),
        ("update", "approved"),
    ]
    assert {e.updated_by_id for e in events[1:]} == {office.pk}
    assert events[2].reject_reason == "规格不一致"


@pytest.mark.parametrize(
    "fields",
    [
        {"mapping_status": "approved", "med_list_codg": AMOXICILLIN},  # no start date
        {"mapping_status": "rejected", "med_list_codg": AMOXICILLIN},  # no reason
        {"mapping_status": "pending", "med_list_codg": ""},  # no code
        {"mapped_from": DAY, "mapped_to": DAY},  # empty period
    ],
)
def test_the_database_holds_the_invariants(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        HospitalItemFactory(**fields)


@pytest.mark.django_db(transaction=True)
def test_two_offices_reviewing_one_mapping_at_once_record_one_decision():
    """select_for_update: the second review waits for the first, then finds the item no longer pending."""
    make_catalog()
    first, second = UserFactory(), UserFactory()
    item = HospitalItemFactory()
    hospital_item_map(actor=first, item=item, med_list_codg=AMOXICILLIN)
    outcomes, barrier = {}, threading.Barrier(2)

    def review(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "done"
        except ConflictError:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=review,
            args=("approve", lambda: hospital_item_approve(actor=first, item=item, begndate=DAY)),
        ),
        threading.Thread(
            target=review,
            args=("reject", lambda: hospital_item_reject(actor=second, item=item, reason="不符")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "done"]
    item.refresh_from_db()
    winner = "approve" if outcomes["approve"] == "done" else "reject"
    assert item.mapping_status == {"approve": Status.APPROVED, "reject": Status.REJECTED}[winner]
