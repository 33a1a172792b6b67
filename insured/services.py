"""Writes of the insured domain, each in one transaction (INS-1..INS-5)."""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ConflictError, DomainError
from insured import rules, selectors
from insured.identity import CertificateError, FormatKind, check_certificate, check_person_facts
from insured.models import (
    CardRead,
    CardReader,
    CertificateType,
    Credential,
    Enrollment,
    InsuranceType,
    InsuredPerson,
    PersonAccessLog,
    PersonType,
    Sanction,
    SanctionInstitution,
)
from insured.regions import current_region

WINDOW_CREDENTIAL_TYPES = {c.value for c in Credential.Type}


def _certificate_facts(cert_type: CertificateType, certno: str):
    try:
        return check_certificate(FormatKind(cert_type.format_kind), certno)
    except CertificateError as exc:
        raise DomainError(
            exc.message, code="invalid_certificate", rule="INS-1", errors={"certno": [exc.message]}
        ) from exc


@transaction.atomic
def person_register(
    *,
    actor: Any,
    psn_no: str,
    cert_type_code: str,
    certno: str,
    name: str,
    insuplc_admdvs: str,
    gender: str | None = None,
    birth_date: datetime.date | None = None,
    phone: str = "",
) -> tuple[InsuredPerson, bool]:
    """Create or update a person by psn_no. The ID number decides birth date and gender; a stated
    value that disagrees is an error, never silently overwritten (INS-1: person and certificate match)."""
    try:
        cert_type = CertificateType.objects.get(code=cert_type_code, is_active=True)
    except CertificateType.DoesNotExist as exc:
        raise DomainError(
            f"未知的证件类型：{cert_type_code}",
            code="unknown_cert_type",
            errors={"psn_cert_type": ["未知的证件类型。"]},
        ) from exc
    facts = _certificate_facts(cert_type, certno)
    mismatches = check_person_facts(facts, birth_date=birth_date, gender=gender)
    if mismatches:
        raise DomainError(
            "；".join(mismatches.values()),
            code="identity_mismatch",
            rule="INS-1",
            errors={k: [v] for k, v in mismatches.items()},
        )
    birth_date = facts.birth_date or birth_date
    gender = facts.gender or gender
    if birth_date is None or gender is None:
        raise DomainError(
            "非身份证类证件须填写出生日期和性别。",
            code="missing_birth_or_gender",
            errors={"birth_date": ["必填。"], "gender": ["必填。"]},
        )
    if current_region(insuplc_admdvs) is None:
        raise DomainError(
            f"参保地区划 {insuplc_admdvs} 不是现行行政区划代码。",
            code="unknown_region",
            errors={"insuplc_admdvs": ["不是现行行政区划代码。"]},
        )
    defaults = {
        "psn_cert_type": cert_type,
        "certno": facts.number,
        "name": name.strip(),
        "gender": str(gender),
        "birth_date": birth_date,
        "phone": phone.strip(),
        "insuplc_admdvs": insuplc_admdvs,
        "updated_by": actor,
    }
    person = InsuredPerson.objects.filter(psn_no=psn_no).select_for_update().first()
    try:
        if person is None:
            return InsuredPerson.objects.create(psn_no=psn_no, created_by=actor, **defaults), True
        changed = any(getattr(person, k) != v for k, v in defaults.items() if k != "updated_by")
        if changed:
            for key, value in defaults.items():
                setattr(person, key, value)
            person.save()
        return person, False
    except IntegrityError as exc:
        raise ConflictError(
            "该证件号码已登记在另一参保人员名下（INS-3：一人一档）。",
            code="duplicate_certificate",
            rule="INS-3",
        ) from exc


@transaction.atomic
def enrollment_add(
    *,
    actor: Any,
    person: InsuredPerson,
    insutype_code: str,
    psn_type_code: str,
    start_date: datetime.date,
    balance: Decimal | None = None,
    direct_settlement_allowed: bool = True,
    emp_name: str = "",
) -> Enrollment:
    """INS-3: one active enrollment per insurance type, one active basic scheme; supplements need a basic one.
    The friendly check comes first; the database constraints and trigger make it true."""
    insutype = InsuranceType.objects.get(code=insutype_code)
    psn_type = PersonType.objects.get(code=psn_type_code)
    if balance is not None and not insutype.has_personal_account:
        raise DomainError(
            f"{insutype.name}没有个人账户，不能登记余额。", code="no_personal_account", rule="INS-3"
        )
    InsuredPerson.objects.select_for_update().get(pk=person.pk)
    existing = [
        rules.EnrollmentFact(e.insutype.code, e.insutype.is_basic, True)
        for e in person.enrollments.filter(status=Enrollment.Status.ACTIVE).select_related("insutype")
    ]
    problems = rules.duplicate_benefit_problems(
        [*existing, rules.EnrollmentFact(insutype.code, insutype.is_basic, True)]
    )
    if problems:
        raise DomainError(problems[0], code="duplicate_benefit", rule="INS-3")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(
                person=person,
                insutype=insutype,
                psn_type=psn_type,
                start_date=start_date,
                balance=balance,
                direct_settlement_allowed=direct_settlement_allowed,
                emp_name=emp_name,
                created_by=actor,
                updated_by=actor,
            )
    except IntegrityError as exc:
        raise DomainError(
            "INS-3：不得重复参保或在无基本医疗保险时参加补充保险。", code="duplicate_benefit", rule="INS-3"
        ) from exc


@transaction.atomic
def credential_add(
    *,
    actor: Any,
    person: InsuredPerson,
    cert_type: str,
    number: str,
    card_sn: str = "",
    issued_on: datetime.date | None = None,
) -> Credential:
    if cert_type not in WINDOW_CREDENTIAL_TYPES:
        raise DomainError(f"未知的就医凭证类型：{cert_type}", code="unknown_credential_type", rule="INS-1")
    credential, _ = Credential.objects.get_or_create(
        person=person,
        mdtrt_cert_type=cert_type,
        number=number.strip(),
        defaults={"card_sn": card_sn, "issued_on": issued_on, "created_by": actor, "updated_by": actor},
    )
    return credential


# --- Card reading at the window (INS-1, INS-2, INS-5) ---


class PersonSource(Protocol):
    """Where the window learns who holds a credential. Today the local registry; the center
    gateway (transaction 1101) plugs in first, with the registry as fallback."""

    name: str

    def find_credential(self, *, cert_type: str, value: str) -> Credential | None: ...


class LocalRegistrySource:
    name = "local"

    def find_credential(self, *, cert_type: str, value: str) -> Credential | None:
        # An active credential decides; otherwise the newest record (lost, frozen …) explains the refusal.
        records = Credential.objects.filter(mdtrt_cert_type=cert_type, number=value.strip()).select_related(
            "person"
        )
        return records.filter(status=Credential.Status.ACTIVE).first() or records.order_by("-id").first()


@dataclass
class AgentIdentity:
    """INS-2: who buys on the insured person's behalf."""

    cert_type: str
    certno: str
    name: str
    relation: str = ""


CREDENTIAL_REFUSALS = {
    Credential.Status.LOST: "该凭证已挂失，不能使用，请持本人其他有效凭证就医。",
    Credential.Status.FROZEN: "该凭证已冻结，请参保人到医保经办机构处理。",
    Credential.Status.REPLACED: "该卡已换发新卡，旧卡作废，请使用新卡。",
}


@transaction.atomic
def card_read(
    *,
    actor: Any,
    reader_id: str,
    credential_type: str,
    credential_value: str,
    entry_mode: str = "reader",
    card_sn: str = "",
    reader_mac: str = "",
    purpose: str = CardRead.Purpose.CARE,
    agent: AgentIdentity | None = None,
    sources: tuple[PersonSource, ...] = (LocalRegistrySource(),),
) -> CardRead:
    """INS-1: read a credential at a registered reader — never a typed insurance number. The reader
    proves the read is its own (`reader_mac`, signed with its secret); a social-security card read
    carries its card serial (card_sn)."""
    if entry_mode != "reader" or credential_type not in WINDOW_CREDENTIAL_TYPES:
        raise DomainError(
            "须读取本人医保电子凭证、社会保障卡或身份证，窗口不得手工录入医保号（人、证、卡一致）。",
            code="manual_entry_forbidden",
            rule="INS-1",
        )
    reader = CardReader.objects.filter(reader_id=reader_id, is_active=True).first()
    if reader is None:
        raise DomainError(
            f"读卡设备 {reader_id} 未登记或已停用。",
            code="unknown_reader",
            rule="INS-1",
            errors={"reader_id": ["未登记的读卡设备。"]},
        )
    if not hmac.compare_digest(rules.reader_mac(reader.secret, credential_value, card_sn), reader_mac or ""):
        raise DomainError(
            "读卡数据未通过读卡设备校验：须由已登记的读卡器读取本人凭证，不得手工录入或转发（人、证、卡一致）。",
            code="reader_unverified",
            rule="INS-1",
            errors={"reader_mac": ["读卡设备签名不符。"]},
        )
    if credential_type == Credential.Type.SOCIAL_SECURITY_CARD and not card_sn.strip():
        raise DomainError(
            "读取社会保障卡须同时读取卡识别码（card_sn）。",
            code="card_sn_required",
            rule="INS-1",
            errors={"card_sn": ["社保卡读卡须带卡识别码。"]},
        )
    credential, source = None, None
    for source in sources:
        credential = source.find_credential(cert_type=credential_type, value=credential_value)
        if credential is not None:
            break
    if credential is None:
        raise DomainError(
            "未找到该凭证对应的参保人员。", code="credential_not_found", rule="INS-1", status_code=404
        )
    if credential.status != Credential.Status.ACTIVE:
        raise DomainError(
            CREDENTIAL_REFUSALS[credential.status], code=f"credential_{credential.status}", rule="INS-1"
        )
    if credential.mdtrt_cert_type == Credential.Type.SOCIAL_SECURITY_CARD and card_sn != credential.card_sn:
        raise DomainError(
            "卡识别码与登记的社会保障卡不符，请核对是否为本人卡。", code="card_sn_mismatch", rule="INS-1"
        )
    agent_fields: dict[str, Any] = {}
    if purpose == CardRead.Purpose.DELEGATED_PURCHASE:
        if agent is None or not agent.certno or not agent.name:
            raise DomainError(
                "委托代购须登记代购人的证件和姓名。",
                code="agent_required",
                rule="INS-2",
                errors={"agent": ["必填。"]},
            )
        agent_type = CertificateType.objects.filter(code=agent.cert_type).first()
        if agent_type is None:
            raise DomainError("代购人证件类型无效。", code="invalid_certificate", rule="INS-2")
        facts = _certificate_facts(agent_type, agent.certno)
        agent_fields = {
            "agent_cert_type": agent_type,
            "agent_certno": facts.number,
            "agent_name": agent.name,
            "agent_relation": agent.relation,
        }
    read = CardRead.objects.create(
        person=credential.person,
        credential=credential,
        reader=reader,
        source=source.name,
        purpose=purpose,
        read_by=actor,
        card_sn=card_sn.strip(),
        **agent_fields,
    )
    PersonAccessLog.objects.create(
        user=actor,
        person=credential.person,
        action=PersonAccessLog.Action.CARD_READ,
        path=f"reader:{reader_id}",
    )
    return read


def card_read_center_check(*, actor: Any, card_read: CardRead) -> CardRead:
    """INS-1: ask the center (1101) who holds the credential; its balance, person type and insured
    region are shown beside the roster's. A center that cannot answer leaves the read usable (the
    roster's figures, marked so). Never inside a transaction: it is a call to the center."""
    from center import transactions
    from center.client import CenterClient, CenterError
    from core.money import money

    credential = card_read.credential
    try:
        answer = transactions.person_info(
            CenterClient.from_settings(),
            cert_type=credential.mdtrt_cert_type,
            cert_no=credential.number,
            card_sn=card_read.card_sn,
            actor=actor,
        )
    except CenterError as error:
        CardRead.objects.filter(pk=card_read.pk).update(
            center_checked_at=timezone.now(), center_message=f"医保中心未能核验：{error.message}"[:200]
        )
    else:
        base = answer["baseinfo"]
        rows = [
            {
                "insutype": str(info.get("insutype", "")),
                "psn_type": str(info.get("psn_type", "")),
                "insuplc_admdvs": str(info.get("insuplc_admdvs", "")),
                "balc": str(money(info["balc"])) if info.get("balc") is not None else None,
            }
            for info in answer["insuinfo"]
        ]
        same = str(base.get("psn_no", "")) == card_read.person.psn_no
        CardRead.objects.filter(pk=card_read.pk).update(
            center_checked_at=timezone.now(),
            center_answer={"psn_no": str(base.get("psn_no", "")), "insuinfo": rows},
            center_message="" if same else "医保中心返回的人员编号与本院登记不一致，请核对（INS-1）",
        )
    card_read.refresh_from_db()
    return card_read


@transaction.atomic
def enrollment_balance_from_center(*, person_id: int, insutype: str, balance: Decimal) -> None:
    """SET-8: after a settlement the personal account's balance is the center's balc."""
    Enrollment.objects.filter(
        person_id=person_id, insutype__code=insutype, status=Enrollment.Status.ACTIVE
    ).update(balance=balance)


@transaction.atomic
def card_read_confirm(*, actor: Any, card_read: CardRead) -> CardRead:
    """INS-1: the clerk confirms person, certificate and card match; recorded once (who, when, reader)."""
    read = CardRead.objects.select_for_update().get(pk=card_read.pk)
    if read.confirmed_at is not None:
        raise ConflictError("该次读卡已确认。", code="already_confirmed", rule="INS-1")
    read.confirmed_at = timezone.now()
    read.confirmed_by = actor
    read.save(update_fields=["confirmed_at", "confirmed_by"])
    return read


# --- Sanctions (INS-4) ---


@transaction.atomic
def sanction_record(
    *,
    actor: Any,
    person: InsuredPerson,
    category: str,
    fund_loss: Decimal,
    description: str,
    evidence: str = "",
    occurred_on: datetime.date | None = None,
    start_date: datetime.date | None = None,
    institutions: list[tuple[str, str]] | None = None,
) -> Sanction:
    """INS-4: record a violation; measures and period come from the table in force on the start date."""
    start = start_date or timezone.localdate()
    if not description.strip():
        raise DomainError(
            "须填写违规事实。", code="description_required", rule="INS-4", errors={"description": ["必填。"]}
        )
    rows = selectors.sanction_policy_rows(start)
    try:
        measures = rules.sanction_measures(
            category=category, fund_loss=fund_loss, start_date=start, policy=rows
        )
    except rules.NoPolicyRow as exc:
        raise DomainError(
            "参保人违规处理标准缺少适用的档次，请管理员维护。", code="sanction_policy_gap", rule="INS-4"
        ) from exc
    except ValueError as exc:
        raise DomainError("违规类别或基金损失金额无效。", code="invalid_sanction", rule="INS-4") from exc
    sanction = Sanction.objects.create(
        person=person,
        category=category,
        description=description.strip(),
        evidence=evidence.strip(),
        fund_loss=fund_loss,
        occurred_on=occurred_on,
        policy_id=measures.policy_id,
        settlement_changed=measures.settlement_changed,
        scope_restricted=measures.scope_restricted,
        interview=measures.interview,
        key_monitoring=measures.key_monitoring,
        judicial_referral=measures.judicial_referral,
        start_date=measures.start_date,
        end_date=measures.end_date,
        created_by=actor,
        updated_by=actor,
    )
    for code, name in institutions or []:
        SanctionInstitution.objects.create(sanction=sanction, fixmedins_code=code, fixmedins_name=name)
    return sanction


@transaction.atomic
def sanction_lift(
    *, actor: Any, sanction: Sanction, reason: str, lifted_on: datetime.date | None = None
) -> Sanction:
    """INS-4: lift a sanction early, with a reason; the history keeps the original period."""
    locked = Sanction.objects.select_for_update().get(pk=sanction.pk)
    today = lifted_on or timezone.localdate()
    if not reason.strip():
        raise DomainError(
            "提前解除须填写原因。", code="lift_reason_required", rule="INS-4", errors={"reason": ["必填。"]}
        )
    if not locked.is_active_on(today):
        raise ConflictError("该处理已结束或已解除。", code="sanction_not_active", rule="INS-4")
    locked.lifted_on = today
    locked.lift_reason = reason.strip()
    locked.lifted_by = actor
    locked.updated_by = actor
    locked.save()
    return locked


def log_access(*, user: Any, person: InsuredPerson, action: str, path: str = "") -> None:
    """Privacy: every look-up of a person by the office is written down (who, whom, when)."""
    PersonAccessLog.objects.create(user=user, person=person, action=action, path=path[:200])


def hospital_code() -> str:
    return settings.HOSPITAL["CODE"]
