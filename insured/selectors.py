"""Reads of the insured domain: sanctions in force, the card-read answer, person search, masking."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import DomainError
from core.roles import Role, has_role
from core.text import looks_like_pinyin
from insured import rules
from insured.models import CardRead, Enrollment, InsuredPerson, Sanction, SanctionPolicy
from insured.regions import region_name

# Privacy: the office (reviews, sanctions) and admins see full ID numbers and phones; the window,
# doctors and nurses see them masked — the card read itself proves the match (INS-1).
FULL_IDENTITY_ROLES = (Role.OFFICE, Role.ADMIN)


def sees_full_identity(user: Any) -> bool:
    return has_role(user, *FULL_IDENTITY_ROLES)


def mask_certno(value: str) -> str:
    """1101**********1234: the first 4 and last 4 characters."""
    if len(value) <= 8:
        return value[:1] + "*" * max(len(value) - 2, 0) + value[-1:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 11 else ("*" * len(value))


def sanction_policy_rows(day: datetime.date) -> list[rules.SanctionPolicyRow]:
    """INS-4: the table in force on `day`, as plain rows for the rule."""
    return [
        rules.SanctionPolicyRow(
            category=row.category,
            loss_min=row.loss_min,
            loss_max=row.loss_max,
            settlement_changed=row.settlement_changed,
            scope_restricted=row.scope_restricted,
            interview=row.interview,
            key_monitoring=row.key_monitoring,
            judicial_referral=row.judicial_referral,
            duration_months=row.duration_months,
            policy_id=row.pk,
        )
        for row in SanctionPolicy.objects.filter(SanctionPolicy.valid_on_filter(day))
    ]


def active_sanctions(person: InsuredPerson, day: datetime.date | None = None) -> QuerySet[Sanction]:
    """INS-4: sanctions in force on `day` (they end by themselves at their end date)."""
    day = day or timezone.localdate()
    return person.sanctions.filter(Sanction.active_on_filter(day)).prefetch_related("institutions")


def window_assessment(person: InsuredPerson, day: datetime.date | None = None) -> rules.WindowAssessment:
    """INS-3/4/5 at the window: may this person be settled directly here, and what must the clerk know."""
    day = day or timezone.localdate()
    enrollments = list(person.enrollments.filter(status=Enrollment.Status.ACTIVE).select_related("insutype"))
    basic = [e for e in enrollments if e.insutype.is_basic]
    sanctions = [
        rules.ActiveSanctionFact(
            settlement_changed=s.settlement_changed,
            scope_restricted=s.scope_restricted,
            key_monitoring=s.key_monitoring or s.interview,
            judicial_referral=s.judicial_referral,
            last_day=s.last_day,
            allowed_institutions=tuple(i.fixmedins_code for i in s.institutions.all()),
        )
        for s in active_sanctions(person, day)
    ]
    return rules.window_assessment(
        has_active_basic=bool(basic),
        enrollment_direct_allowed=all(e.direct_settlement_allowed for e in basic) if basic else False,
        is_local=person.is_local,
        sanctions=sanctions,
        institution_code=settings.HOSPITAL["CODE"],
    )


def basic_enrollment(person: InsuredPerson, *, required: bool = True) -> Enrollment | None:
    """The person's active basic medical insurance (险种 and 人员类别 loaded); INS-3 when there is none."""
    enrollment = (
        person.enrollments.filter(status=Enrollment.Status.ACTIVE, is_basic=True)
        .select_related("insutype", "psn_type")
        .first()
    )
    if enrollment is None and required:
        raise DomainError(
            f"{person.name} 无有效的基本医疗保险参保记录（INS-3）。", code="not_enrolled", rule="INS-3"
        )
    return enrollment


def person_summary(person: InsuredPerson, user: Any) -> dict[str, Any]:
    full = sees_full_identity(user)
    return {
        "psn_no": person.psn_no,
        "name": person.name,
        "gender": person.get_gender_display(),
        "birth_date": person.birth_date,
        "age": person.age_on(timezone.localdate()),
        "psn_cert_type": person.psn_cert_type.code,
        "psn_cert_type_name": person.psn_cert_type.name,
        "certno": person.certno if full else mask_certno(person.certno),
        "phone": person.phone if full else mask_phone(person.phone),
        "insuplc_admdvs": person.insuplc_admdvs,
        "insured_region_name": region_name(person.insuplc_admdvs),
        "is_local": person.is_local,
    }


def enrollment_rows(person: InsuredPerson) -> list[dict[str, Any]]:
    return [
        {
            "insutype": e.insutype.code,
            "insutype_name": e.insutype.name,
            "is_basic": e.insutype.is_basic,
            "psn_type": e.psn_type.name,
            "status": e.status,
            "status_name": e.get_status_display(),
            "start_date": e.start_date,
            "end_date": e.end_date,
            "balance": e.balance,
            "direct_settlement_allowed": e.direct_settlement_allowed,
            "emp_name": e.emp_name,
        }
        for e in person.enrollments.select_related("insutype", "psn_type").order_by(
            "-is_basic", "insutype__code"
        )
    ]


def sanction_rows(sanctions) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "category": s.category,
            "category_name": s.get_category_display(),
            "measures": s.measure_labels,
            "fund_loss": s.fund_loss,
            "start_date": s.start_date,
            "last_day": s.last_day,
            "lifted_on": s.lifted_on,
            "institutions": [
                {"code": i.fixmedins_code, "name": i.fixmedins_name} for i in s.institutions.all()
            ],
        }
        for s in sanctions
    ]


def open_admissions(person: InsuredPerson) -> list[dict[str, Any]]:
    """Stays not yet settled; the admission app answers once it exists (issue 11)."""
    from django.apps import apps

    if not apps.is_installed("admission") or not hasattr(apps.get_app_config("admission"), "open_stays_for"):
        return []
    return apps.get_app_config("admission").open_stays_for(person)


def card_read_answer(read: CardRead, user: Any) -> dict[str, Any]:
    """Everything the window needs at a glance after a card read (INS-1..INS-5)."""
    person = read.person
    assessment = window_assessment(person)
    return {
        "card_read_id": read.pk,
        "source": read.source,
        "credential": {
            "type": read.credential.mdtrt_cert_type,
            "type_name": read.credential.get_mdtrt_cert_type_display(),
            "number": read.credential.number
            if sees_full_identity(user)
            else mask_certno(read.credential.number),
        },
        "purpose": read.purpose,
        "agent_name": read.agent_name,
        "person": person_summary(person, user),
        "enrollments": enrollment_rows(person),
        "sanctions": sanction_rows(active_sanctions(person)),
        "direct_settlement": assessment.direct_settlement,
        "warnings": [
            {"level": n.level, "rule": str(n.rule), "message": n.message} for n in assessment.notices
        ],
        "open_admissions": open_admissions(person),
        "confirmed_at": read.confirmed_at,
        "center": {
            "checked_at": read.center_checked_at,
            "message": read.center_message,
            "insuinfo": read.center_answer.get("insuinfo", []),
        },
    }


def person_search(query: str, limit: int = 50) -> QuerySet[InsuredPerson]:
    """Office search: Chinese name, pinyin initials or full pinyin, psn_no, or certificate number."""
    query = query.strip()
    people = InsuredPerson.objects.select_related("psn_cert_type")
    if not query:
        return people.none()
    if looks_like_pinyin(query):
        q = query.lower()
        return people.filter(Q(name_initials__startswith=q) | Q(name_pinyin__startswith=q)).order_by(
            "name_initials", "psn_no"
        )[:limit]
    if query.isdigit() or query[:-1].isdigit():
        return people.filter(Q(psn_no__startswith=query) | Q(certno__startswith=query.upper())).order_by(
            "psn_no"
        )[:limit]
    return people.filter(name__contains=query).order_by("name", "psn_no")[:limit]
