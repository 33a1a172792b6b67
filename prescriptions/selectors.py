"""Reads for prescriptions: gather the plain facts the rules judge (catalog as of the day, the
hospital's day-supply profile, diagnoses' RX-2 categories, approvals, earlier supplies)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.errors import DomainError
from core.roles import Role, has_role
from drug_catalog import selectors as catalog_selectors
from drug_catalog.models import CatalogItem, HospitalItem
from insured.models import InsuredPerson
from insured.selectors import active_sanctions
from prescriptions import rules
from prescriptions.models import DaySupplyProfile, DrugApproval, Prescription, PrescriptionItem


@dataclass(frozen=True)
class LineRequest:
    """One line as the doctor (or HIS) sends it; plain values, already validated by the serializer."""

    item_code: str
    quantity: Any
    dose: Any = None
    frequency: str = "qd"
    days: int | None = None
    self_pay: bool = False
    consent: bool = False
    indication_met: bool = False
    diagnosis: int | None = None


@dataclass
class CheckAnswer:
    result: rules.CheckResult
    person: InsuredPerson
    profile: DaySupplyProfile
    on_date: datetime.date
    diagnoses: list[rules.DiagnosisFact]
    catalog_items: dict[str, CatalogItem] = field(default_factory=dict)
    lines: list[rules.ItemInput] = field(default_factory=list)


# The check's reference data — day-supply profiles, catalog versions and items, hospital-item
# mappings, diagnosis codes and RX-2 ranges — is versioned and changes rarely, so the check reads it
# through Django's cache under a generation number that any save or delete of those rows replaces
# (prescriptions.apps connects the signals). Only what was found is cached; the TTL bounds what a
# bulk update (no signals) could leave stale. The person, sanctions and approvals are read live.
REFERENCE_CACHE_SECONDS = 600
GENERATION_KEY = "rx:reference-generation"


GENERATION_LOCAL_SECONDS = 1.0  # another process's change is seen within a second
_generation: list[Any] = [None, 0.0]  # this process's last read: value, monotonic time read


def reference_generation() -> str:
    value, read_at = _generation
    if value is not None and time.monotonic() - read_at < GENERATION_LOCAL_SECONDS:
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, str(time.time_ns()), None)
        value = cache.get(GENERATION_KEY) or str(time.time_ns())
    _generation[:] = [value, time.monotonic()]
    return value


def reference_changed(**kwargs: Any) -> None:
    """Signal receiver: every cached reference row is stale from now on, in every process."""
    value = str(time.time_ns())
    cache.set(GENERATION_KEY, value, None)
    _generation[:] = [value, time.monotonic()]


def forget_local() -> None:
    """Drop this process's copies (tests, after the database was rolled back under them)."""
    _local.clear()
    _generation[:] = [None, 0.0]


_local: dict[str, Any] = {}  # this process's copy of cached reference rows, by full key
LOCAL_MAX_ENTRIES = 20_000


def _cached_many(
    prefix: str, keys: Sequence[str], load: Any, generation: str | None = None
) -> dict[str, Any]:
    """{key: value} for `keys`: from this process's memory, else Django's cache, else
    `load(missing)` (whose found values are cached in both). `prefix` names what and as of when
    (date); the generation in every key makes a changed reference row miss everywhere at once."""
    generation = generation or reference_generation()
    names = {key: f"rx:{generation}:{prefix}:{key}" for key in dict.fromkeys(keys)}
    now = time.monotonic()
    found = {key: _local[name][1] for key, name in names.items() if name in _local and _local[name][0] > now}
    wanted = [names[key] for key in names if key not in found]
    if wanted:
        hits = cache.get_many(wanted)
        found.update({key: hits[name] for key, name in names.items() if name in hits})
        _remember(hits)
    missing = [key for key in names if key not in found]
    if missing:
        loaded = load(missing)
        if loaded:
            fresh = {names[k]: v for k, v in loaded.items()}
            cache.set_many(fresh, REFERENCE_CACHE_SECONDS)
            _remember(fresh)
        found.update(loaded)
    return found


def _remember(entries: dict[str, Any]) -> None:
    if len(_local) + len(entries) > LOCAL_MAX_ENTRIES:
        _local.clear()  # stale generations go with it
    expires = time.monotonic() + REFERENCE_CACHE_SECONDS
    _local.update({name: (expires, value) for name, value in entries.items()})


def person_by_psn_no(psn_no: str, on_date: datetime.date | None = None) -> InsuredPerson:
    """The person, annotated with whether a sanction is in force on `on_date` (INS-4), so the
    check reads the sanctions only for the few persons who have one (one query, not two)."""
    from insured.models import Sanction

    day = on_date or timezone.localdate()
    sanctioned = Sanction.objects.filter(Sanction.active_on_filter(day), person=OuterRef("pk"))
    person = InsuredPerson.objects.filter(psn_no=psn_no).annotate(sanctioned=Exists(sanctioned)).first()
    if person is None:
        raise DomainError(
            f"未找到人员编号 {psn_no} 的参保人，请先读卡。", code="person_not_found", status_code=404
        )
    return person


def profile_as_of(on_date: datetime.date, code: str | None = None) -> DaySupplyProfile:
    """RX-2: the hospital's chosen day-supply profile version in force on `on_date` (cached)."""
    code = code or settings.HOSPITAL["RX_PROFILE"]

    def load(keys: list[str]) -> dict[str, DaySupplyProfile]:
        row = (
            DaySupplyProfile.objects.filter(DaySupplyProfile.valid_on_filter(on_date), code=code)
            .order_by("-effective_from")
            .first()
        )
        return {keys[0]: row} if row else {}

    profile = _cached_many(f"profile:{on_date:%Y%m%d}", [code], load).get(code)
    if profile is None:
        raise DomainError(
            f"未配置 {on_date} 有效的处方限量方案 {code}，请管理员维护。",
            code="rx_profile_missing",
            rule="RX-2",
        )
    return profile


def profile_facts(profile: DaySupplyProfile) -> rules.DaySupplyProfile:
    return rules.DaySupplyProfile(
        code=profile.code,
        name=profile.name,
        acute_days=profile.acute_days,
        general_days=profile.general_days,
        chronic_days=profile.chronic_days,
        specified_days=profile.specified_days,
        discharge_days=profile.discharge_days,
        max_drugs=profile.max_drugs,
        discharge_uses_outpatient_limits=profile.discharge_uses_outpatient_limits,
    )


def catalog_facts(item: CatalogItem, *, mapped: bool = True) -> rules.CatalogFacts:
    return rules.CatalogFacts(
        code=item.code,
        name=item.name,
        item_type=item.item_type,
        insurance_class=item.insurance_class,
        pack_size=item.pack_size,
        unit=item.unit,
        min_unit=item.min_unit,
        dosage_form=item.dosage_form,
        restricted=item.restricted,
        restriction_text=item.restriction_text,
        approval_required=item.approval_required,
        approval_valid_days=item.approval_valid_days,
        outpatient_self_pay=item.outpatient_self_pay,
        herbal_daily_dose_limit=item.herbal_daily_dose_limit,
        single_herb_self_pay=item.single_herb_self_pay,
        max_quantity=item.max_quantity,
        max_days=item.max_days,
        sex_limit=item.sex_limit,
        age_min=item.age_min,
        age_max=item.age_max,
        min_hospital_tier=item.min_hospital_tier,
        non_payable=item.non_payable,
        mapped=mapped,
    )


def resolve_items(
    codes: Sequence[str], on_date: datetime.date
) -> tuple[dict[str, rules.CatalogFacts], dict[str, CatalogItem]]:
    """Codes may be national (med_list_codg) or the hospital's own (medins_list_codg). A hospital item
    is judged as its mapped national item, but is fund-payable only with an approved mapping (FEE-1).
    National items (versioned) come through the reference cache; mappings are read live."""
    national = _national_items([c for c in codes if c], on_date)
    facts = {code: entry[0] for code, entry in national.items()}
    by_code = {code: entry[1] for code, entry in national.items()}
    missing = [c for c in codes if c and c not in national]
    if missing:
        hospital_items = list(
            HospitalItem.objects.filter(medins_list_codg__in=missing).exclude(med_list_codg="")
        )
        targets = _national_items([h.med_list_codg for h in hospital_items], on_date)
        for hospital_item in hospital_items:
            target = targets.get(hospital_item.med_list_codg)
            if target is None:
                continue
            mapped = hospital_item.fund_payable_on(on_date)
            facts[hospital_item.medins_list_codg] = catalog_facts(target[1], mapped=mapped)
            by_code[hospital_item.medins_list_codg] = target[1]
    return facts, by_code


def _national_items(
    codes: Sequence[str], on_date: datetime.date
) -> dict[str, tuple[rules.CatalogFacts, CatalogItem]]:
    """(facts, item) of the catalog in force on `on_date` for these national codes (cached)."""

    def load(missing: list[str]) -> dict[str, tuple[rules.CatalogFacts, CatalogItem]]:
        items = catalog_selectors.national_items_by_code(missing, on_date=on_date)
        return {code: (catalog_facts(item), item) for code, item in items.items()}

    return _cached_many(f"item:{on_date:%Y%m%d}", codes, load)


def diagnosis_facts(codes: Sequence[str], on_date: datetime.date) -> list[rules.DiagnosisFact]:
    """RX-2 categories by code range (diagnoses app): E11.9 and E11.900 both count as diabetes."""
    facts = _cached_many(f"dx:{on_date:%Y%m%d}", list(codes), lambda m: _load_diagnoses(m, on_date))
    return [facts[code] for code in codes]


def _load_diagnoses(codes: Sequence[str], on_date: datetime.date) -> dict[str, rules.DiagnosisFact]:
    from diagnoses import selectors as diagnosis_selectors

    categories = diagnosis_selectors.rx2_categories(codes, on_date)
    names = diagnosis_selectors.lookup(codes, on_date=on_date)
    facts = {}
    for code in codes:
        category = categories[code]
        known = names.get(code)
        facts[code] = rules.DiagnosisFact(
            code=code,
            category=category.category,
            disease=category.disease,
            name=known.name if known else "",
        )
    return facts


def scope_restriction(person: InsuredPerson, on_date: datetime.date) -> str:
    """INS-4: a message when a sanction confines the person to institutions other than this one."""
    if getattr(person, "sanctioned", True) is False:
        return ""  # person_by_psn_no found no sanction in force: no query
    here = settings.HOSPITAL["CODE"]
    for sanction in active_sanctions(person, on_date):
        allowed = [i.fixmedins_code for i in sanction.institutions.all()]
        if sanction.scope_restricted and here not in allowed:
            until = f"（至 {sanction.last_day:%Y-%m-%d}）" if sanction.last_day else ""
            return f"参保人已被限制医保就医范围{until}，本院不在其指定机构，不能按医保开方"
    return ""


def approvals(
    person: InsuredPerson, codes: Sequence[str], on_date: datetime.date
) -> dict[tuple[str, str], datetime.date]:
    """Latest approval date per (item code, kind) given on or before `on_date` and not revoked."""
    latest: dict[tuple[str, str], datetime.date] = {}
    for approval in DrugApproval.objects.filter(
        person=person, item_code__in=set(codes), revoked=False, approved_on__lte=on_date
    ).order_by("approved_on"):
        latest[(approval.item_code, approval.kind)] = approval.approved_on
    return latest


def previous_supplies(
    person: InsuredPerson, codes: Sequence[str], on_date: datetime.date
) -> list[rules.PreviousSupply]:
    """RX-4: the patient's inpatient oral supplies of these drugs not yet used up on `on_date`."""
    rows = PrescriptionItem.objects.filter(
        prescription__person=person,
        prescription__visit_type=rules.VisitType.INPATIENT,
        prescription__status=Prescription.Status.ISSUED,
        code__in=set(codes),
        supply_ends_on__gt=on_date,
    ).select_related("prescription")
    return [
        rules.PreviousSupply(
            code=row.code,
            name=row.name,
            prescribed_on=row.prescription.prescribed_on,
            lasts_until=row.supply_ends_on,
        )
        for row in rows
    ]


def check(
    *,
    psn_no: str,
    visit_type: str,
    diagnosis_codes: Sequence[str],
    lines: Sequence[LineRequest],
    on_date: datetime.date | None = None,
) -> CheckAnswer:
    """RX-1..RX-8, FEE-1, FEE-6, INS-4 over a prescription as written; saves nothing."""
    on_date = on_date or timezone.localdate()
    person = person_by_psn_no(psn_no, on_date)
    profile = profile_as_of(on_date)
    codes = [line.item_code for line in lines]
    facts, catalog_items = resolve_items(codes, on_date)
    # RX-5/RX-6 approvals matter only for restricted or approval-bound items; RX-4's earlier supplies
    # only for inpatient prescriptions: no query otherwise.
    needs_approval = any(f.restricted or f.approval_required for f in facts.values())
    approved = approvals(person, codes, on_date) if needs_approval else {}
    inputs = []
    for line in lines:
        national = facts[line.item_code].code if line.item_code in facts else line.item_code
        inputs.append(
            rules.ItemInput(
                code=line.item_code,
                quantity=line.quantity,
                dose=line.dose,
                frequency=line.frequency,
                days=line.days,
                self_pay=line.self_pay,
                consent=line.consent,
                indication_met=line.indication_met,
                hospital_approved=(national, DrugApproval.Kind.RESTRICTED) in approved,
                approved_on=approved.get((national, DrugApproval.Kind.PROTEIN)),
                diagnosis_index=line.diagnosis,
            )
        )
    diagnoses = diagnosis_facts(list(diagnosis_codes), on_date)
    result = rules.check_prescription(
        visit_type=visit_type,
        on_date=on_date,
        diagnoses=diagnoses,
        lines=inputs,
        catalog=facts,
        profile=profile_facts(profile),
        patient=rules.PatientFacts(
            sex=person.gender,
            age=person.age_on(on_date),
            scope_restriction=scope_restriction(person, on_date),
        ),
        hospital_tier=settings.HOSPITAL["TIER"],
        previous_supplies=previous_supplies(person, codes, on_date)
        if visit_type == rules.VisitType.INPATIENT
        else (),
        default_approval_days=profile.approval_valid_days,
    )
    return CheckAnswer(
        result=result,
        person=person,
        profile=profile,
        on_date=on_date,
        diagnoses=diagnoses,
        catalog_items=catalog_items,
        lines=inputs,
    )


def answer_body(answer: CheckAnswer) -> dict[str, Any]:
    """The check's JSON answer (API and the doctor's page share it)."""
    result = answer.result
    return {
        "ok": result.ok,
        "profile": {"code": answer.profile.code, "name": answer.profile.name},
        "diagnoses": [
            {"code": d.code, "name": d.name, "category": d.category, "disease": d.disease}
            for d in answer.diagnoses
        ],
        "violations": [
            {
                "rule": v.rule,
                "level": v.level,
                "item": v.item,
                "message": v.message,
                "fix": v.fix,
                "fix_values": v.fix_values,
            }
            for v in result.violations
        ],
        "items": [
            {
                "index": o.index,
                "item_code": o.code,
                "name": o.name,
                "days_supply": _days(o.days_supply),
                "judged_days": _days(o.judged_days),
                "self_pay": o.self_pay,
                "self_pay_reasons": o.self_pay_reasons,
            }
            for o in result.items
        ],
    }


def _days(value) -> str | None:
    return None if value is None else rules.show_days(value)


def prescriptions_for(user: Any) -> QuerySet[Prescription]:
    """Doctors see their own; the office sees all."""
    queryset = Prescription.objects.select_related("person", "doctor", "department").order_by("-id")
    if has_role(user, Role.OFFICE, Role.ADMIN):
        return queryset
    practitioner = getattr(user, "practitioner", None)
    return queryset.filter(doctor=practitioner) if practitioner else queryset.none()
