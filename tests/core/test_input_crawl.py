"""Issue 19 (1): no server error from user input, anywhere.

Per role, every page the URL resolver knows is fetched (with bad query parameters too), every
<form method="post"> on it is parsed and posted back with bad values chosen by each field's type
(3,000-character text, NUL bytes, "1e3", "NaN", 99999999999, impossible dates, unknown choices,
non-numeric ids). No answer may be a 5xx. The forms that re-render (order entry, charge entry,
sanctions, admission, the catalog import, person search) must show the typed input again, and so must
an inline form refused after its view redirected back to the page that holds it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from admission import services as admission_services
from core.roles import Role
from fees.models import FeeLine
from insured import services as insured_services
from insured.models import RosterImport
from tests.admission.factories import (
    admit,
    charge,
    confirmed_read,
    make_catalog_items,
    make_hospital,
    order,
)
from tests.factories import PractitionerFactory, UserFactory

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "api/", "login/", "logout/", "healthz", "static/")
MISSING = 987654321  # an id no row has: the page must answer 404, not 500
LONG_TEXT = "长" * 3000
# The echo payload: a re-rendered form (400) must show these again.
ECHO = {"text": "回显测试", "search": "回显测试", "number": "1e3"}
BAD_QUERY = {
    "q": "检索" * 60,
    "nq": "x" * 150,
    "page": "abc",
    "status": "不存在",
    "ward": "abc",
    "department": "1e3",
    "year": "99999999999",
    "hospital_item": "abc",
    "card_read": "-1",
    "certno": "x" * 200,
    "date": "2026-13-45",
    "psn_no": "x" * 100,
    "job": "abc",
}


def _patterns(resolvers=None, prefix="", namespace=""):
    """(route, "namespace:name", callback) of every named page pattern."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, entry.callback


def _pages():
    return [
        (route, name)
        for route, name, _ in _patterns()
        if not route.startswith(SKIPPED_PREFIXES) and name not in {"login", "logout", "healthz"}
    ]


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value, options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and ((a.get("method") or "get").lower() == "post" or a.get("hx-post")):
            # An htmx form stays in the browser as typed; only its answer partial is swapped in.
            self._form = {"action": a.get("hx-post") or a.get("action") or "", "fields": [],
                          "htmx": bool(a.get("hx-post"))}  # fmt: skip
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in {"submit", "button", "file"}:
            kind = a.get("type") or "text"
            if a.get("inputmode") in {"decimal", "numeric"} or kind == "number":
                kind = "number"
            if a["name"] == "csrfmiddlewaretoken":
                return
            self._form["fields"].append({"name": a["name"], "kind": kind, "value": a.get("value") or ""})
        elif tag == "textarea" and a.get("name"):
            self._form["fields"].append({"name": a["name"], "kind": "text", "value": ""})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "kind": "select", "value": "", "options": []}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _bad_payloads(fields: list[dict]) -> list[dict]:
    """Bad values per field type; hidden ids get junk, picked ids are dropped (typed, not picked)."""
    by_kind = {
        "huge": {"text": LONG_TEXT, "search": LONG_TEXT, "number": "99999999999", "date": "2026-13-45",
                 "datetime-local": "2026-13-45T99:99", "select": "不存在的选项", "hidden": "abc",
                 "checkbox": "on", "radio": "zzz"},
        "exotic": {"text": "a\x00b", "search": "\x00", "number": "1e3", "date": "0001-01-01",
                   "datetime-local": "9999-12-31T23:59", "select": "", "hidden": "", "checkbox": "x",
                   "radio": ""},
        "nan": {"text": "１２３", "search": "", "number": "NaN", "date": "", "datetime-local": "",
                "select": "1e3", "hidden": "-1", "checkbox": "", "radio": "1"},
        "inf": {"text": "", "search": "", "number": "-inf", "date": "2026-02-30",
                "datetime-local": "2026-02-30T10:00", "select": "99999999999", "hidden": "99999999999",
                "checkbox": "on", "radio": ""},
    }  # fmt: skip
    payloads = [{}, {f["name"]: ECHO.get(f["kind"], f["value"]) for f in fields}]
    for values in by_kind.values():
        payloads.append({f["name"]: values.get(f["kind"], LONG_TEXT) for f in fields})
    return payloads


def _world(role: Role) -> tuple[Client, dict]:
    hospital = make_hospital()
    items = make_catalog_items()
    stay = admit(hospital)
    the_order = order(hospital, stay, items["H-CT"])
    charge(hospital, stay, the_order)
    person = stay.person
    read = confirmed_read(person, hospital.clerk)
    leave = admission_services.leave_request(
        actor=hospital.clerk,
        stay=stay,
        starts_at=timezone.now() + datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=5),
        reason="回家取物",
    )
    sanction = insured_services.sanction_record(
        actor=hospital.clerk, person=person, category="I", fund_loss=Decimal(1), description="测试"
    )
    roster = RosterImport.objects.create(filename="r.csv", sha256="0" * 64, outcome="rejected")
    user = UserFactory(roles=[role])
    if role == Role.DOCTOR:
        PractitionerFactory(user=user, department=hospital.department)
    if role == Role.NURSE:  # a nurse acts on her ward's stays (issue 19, item 9)
        PractitionerFactory(user=user, department=hospital.department, ward=hospital.ward, kind="nurse")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    registration = stay.registrations.first()
    kwargs = {
        "role": role.value,
        "day": timezone.localtime(stay.admitted_at).date().isoformat(),
        "psn_no": person.psn_no,
        "person_id": person.pk,
        "charge_id": FeeLine.objects.filter(stay=stay).first().pk,
        "registration_id": registration.pk if registration else MISSING,
        "leave_id": leave.pk,
        "settlement_id": MISSING,
    }
    pks = {
        "admission": stay.pk,
        "settlement:stay": stay.pk,
        "settlement:pre_settle": stay.pk,
        "settlement:settle": stay.pk,
        "settlement:settle_self_pay": stay.pk,
        "catalog": items["H-CT"].pk,
        "insured:card_read_confirm": read.pk,
        "insured:sanction_lift": sanction.pk,
        "insured:roster_import_status": roster.pk,
    }
    return client, {"kwargs": kwargs, "pks": pks}


def _url(route: str, name: str, world: dict) -> str:
    import re

    kwargs = {}
    for key in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if key == "pk":
            kwargs[key] = world["pks"].get(name, world["pks"].get(name.split(":")[0], MISSING))
        else:
            kwargs[key] = world["kwargs"].get(key, MISSING)
    return reverse(name, kwargs=kwargs)


def _crawl(role: Role) -> dict[str, list]:
    client, world = _world(role)
    seen_forms: set[str] = set()
    answers: dict[str, list] = {"get": [], "post": [], "echoed": [], "kept": []}
    for route, name in _pages():
        url = _url(route, name, world)
        for query in ("", "?" + urlencode(BAD_QUERY), "?q=%00"):
            response = client.get(url + query)
            answers["get"].append((url + query[:40], response.status_code))
            assert response.status_code < 500, f"{role} GET {url}{query[:60]} → {response.status_code}"
            assert "/login/" not in response.get("Location", ""), f"{role} lost the session at {url}"
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if action.startswith("/logout/"):
                continue  # the menu's logout form would end the crawl's session
            key = f"{action}|{','.join(sorted(f['name'] for f in form['fields']))}"
            if key in seen_forms:
                continue
            seen_forms.add(key)
            for number, payload in enumerate(_bad_payloads(form["fields"])):
                posted = client.post(action, payload)
                answers["post"].append((action, posted.status_code))
                assert posted.status_code < 500, (
                    f"{role} POST {action} {sorted(payload)} → {posted.status_code}"
                )
                typed = {v for v in payload.values() if v in ECHO.values()} if number == 1 else set()
                rerendered = posted.status_code == 400 and "html" in posted.get("Content-Type", "")
                if rerendered and typed and not form["htmx"]:
                    html = posted.content.decode()
                    assert any(v in html for v in typed), f"{role} POST {action}: the typed input is gone"
                    answers["echoed"].append(action)
                elif posted.status_code == 302 and not form["htmx"] and number in (1, 2):
                    # An inline form refused after its view redirected back: the page it lands on
                    # shows the typed input again (core.forms.keep_typed, {% kept_form %}).
                    texts = [f for f in form["fields"] if f["kind"] in ("text", "search")]
                    marks = typed if number == 1 else ({LONG_TEXT[:100]} if texts else set())
                    landed = client.get(posted["Location"])
                    html = landed.content.decode()
                    # (a form the refusal made moot — a card already handed in — is not there to fill)
                    if marks and '<li class="error">' in html and f'action="{action}"' in html:
                        where = posted["Location"]
                        assert any(v in html for v in marks), (
                            f"{role} POST {action}: refused, and the typed input is gone on {where}"
                        )
                        answers["kept"].append(action)
    return answers


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_page_and_form_survives_bad_input(role):
    answers = _crawl(role)
    # The crawl reached pages and forms (an empty crawl would pass vacuously).
    assert len(answers["get"]) >= 3 * len(_pages())
    assert answers["post"], f"{role}: no form was posted"
    if role in (Role.CLERK, Role.DOCTOR, Role.OFFICE):
        assert answers["echoed"], f"{role}: no re-rendered form was checked for the typed input"
    if role in (Role.CLERK, Role.DOCTOR):  # the office's (sanction lift): tests/core/test_inline_forms.py
        assert answers["kept"], f"{role}: no inline form was checked for the typed input after a redirect"
    reached = sum(1 for _, status in answers["get"] if status == 200)
    assert reached >= 6, f"{role}: only {reached} pages answered 200"


def test_the_crawl_covers_the_window_pages():
    names = {name for _, name in _pages()}
    assert {
        "admission:orders",
        "admission:charge_add",
        "admission:admit",
        "insured:sanction_add",
        "insured:roster_import",
        "catalog:import",
        "settlement:calculator",
    } <= names
