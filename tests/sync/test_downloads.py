"""Issue 20, SYNC-3: downloads become new versions on their dates; local edits are listed, not lost."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from drug_catalog.models import CatalogItem, CatalogVersion
from drug_catalog.selectors import catalog_region, version_as_of
from sync import cycle, downloads
from sync.models import CenterDictionaryEntry, DownloadConflict, DownloadRun
from tests.admission.factories import make_catalog_items
from tests.sync.helpers import messages, switch

CT, BED, CHK = "210300001", "001102000010000", "110200005"


def _publish(center, ver: str, begins: datetime.date, items: dict) -> None:
    switch(center, catalog_version={"ver": ver, "begndate": begins.isoformat(), "items": items})


@pytest.mark.django_db
def test_sync3_a_downloaded_catalog_applies_as_a_new_version_on_its_date(center, settings):
    """The center publishes version 202701 from tomorrow: CT's class-B share goes 8 % → 10 %, the
    check-up is withdrawn (vali_flag 0) and a new item appears. The hospital keeps today's version as
    it was; from tomorrow the new version answers."""
    settings.HOSPITAL = {**settings.HOSPITAL, "REGION_CODE": "610103"}
    make_catalog_items()
    old = version_as_of(catalog_region(), timezone.localdate())
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _publish(
        center,
        "202701",
        tomorrow,
        {
            CT: {"name": "CT 平扫", "class": "B", "selfpay_prop": "0.10"},
            CHK: {"name": "健康体检", "class": "C", "vali_flag": "0"},
            "XN01AX999": {"name": "新增药品", "class": "A"},
        },
    )
    run = downloads.catalog_download()
    assert (run.version, run.rows, run.applied) == ("202701", 3, ["中心202701"])
    assert version_as_of(catalog_region(), timezone.localdate()) == old
    new = version_as_of(catalog_region(), tomorrow)
    assert new.code == "中心202701" and new.effective_from == tomorrow
    items = {i.code: i for i in CatalogItem.objects.filter(version=new)}
    assert items[CT].b_self_pay_ratio == Decimal("0.1000")
    assert CHK not in items and items["XN01AX999"].insurance_class == "A"
    assert items[BED].price_cap == Decimal("35")  # untouched items carried over
    assert CatalogItem.objects.get(version=old, code=CT).b_self_pay_ratio == Decimal("0.0800")  # not in place
    # the next download asks for versions after 202701: nothing new, no second version
    again = downloads.catalog_download()
    assert again.pk is None and CatalogVersion.objects.filter(code__startswith="中心").count() == 1
    assert messages("1301")[-1].request["input"]["data"]["ver"] == "202701"


@pytest.mark.django_db
def test_sync3_a_center_change_to_a_locally_edited_item_is_listed_for_the_admin(center, settings):
    settings.HOSPITAL = {**settings.HOSPITAL, "REGION_CODE": "610103"}
    make_catalog_items()
    item = CatalogItem.objects.get(code=CT)
    item.price_cap = Decimal("140")  # an admin's local edit (history keeps an update event)
    item.save()
    _publish(
        center,
        "202702",
        timezone.localdate(),
        {CT: {"name": "CT 平扫", "class": "B", "selfpay_prop": "0.08", "pric_uplmt_amt": "145"}},
    )
    run = cycle.cycle_run()
    assert run.counts["downloaded"] == 1
    conflict = DownloadConflict.objects.get()
    assert (conflict.key, conflict.field, conflict.local_value, conflict.center_value) == (
        CT,
        "price_cap",
        "140.0000",
        "145",
    )
    new = CatalogVersion.objects.get(code="中心202702")
    assert CatalogItem.objects.get(version=new, code=CT).price_cap == Decimal("145")
    assert CatalogItem.objects.get(pk=item.pk).price_cap == Decimal("140")


@pytest.mark.django_db
def test_sync3_dictionary_values_become_dated_rows(center):
    today = timezone.localdate()
    switch(
        center,
        dictionary=[
            {
                "type": "CLR_TYPE",
                "value": "21",
                "label": "住院",
                "version": "1",
                "createDate": (today - datetime.timedelta(days=30)).isoformat(),
            }
        ],
    )
    downloads.dictionary_download()
    switch(
        center,
        dictionary=[
            {
                "type": "CLR_TYPE",
                "value": "21",
                "label": "住院（含日间手术）",
                "version": "2",
                "createDate": today.isoformat(),
            }
        ],
    )
    DownloadRun.objects.update(at=timezone.now() - datetime.timedelta(days=40))
    downloads.dictionary_download()
    rows = list(CenterDictionaryEntry.objects.filter(type="CLR_TYPE", value="21").order_by("effective_from"))
    assert [(r.label, r.effective_from) for r in rows] == [
        ("住院", today - datetime.timedelta(days=30)),
        ("住院（含日间手术）", today),
    ]


@pytest.mark.django_db
def test_sync3_a_patient_whose_insurance_the_center_suspended_is_listed_not_edited(center):
    """1101 for the patients in hospital: the center now says 暂停参保 (psn_insu_stas 2) for the 310 of a
    patient the hospital holds as active: listed once for the office; the enrollment is unchanged."""
    import requests

    from insured.management.commands.export_center_roster import center_roster_entry
    from insured.models import Enrollment
    from tests.sync.helpers import open_stay_with_lines

    _, stay = open_stay_with_lines(center, 1)
    entry = center_roster_entry(stay.person)
    for info in entry["insuinfo"]:
        info["psn_insu_stas"] = "2"
    requests.post(f"{center.base}/_control/persons", json=[entry], timeout=5).raise_for_status()
    run = cycle.cycle_run()
    assert run.counts["persons_checked"] == 1
    conflict = DownloadConflict.objects.get(field="参保状态")
    assert (conflict.key, conflict.local_value, conflict.center_value) == (
        f"{stay.person.psn_no}:310",
        "正常参保",
        "暂停参保",
    )
    assert Enrollment.objects.get(person=stay.person, insutype__code="310").status == "active"
    cycle.cycle_run()
    assert DownloadConflict.objects.filter(field="参保状态").count() == 1  # listed once
