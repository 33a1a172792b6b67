"""Demo of the 20-minute sync for `make run` (after the demo stays and settlements): one cycle now,
a catalog version the center publishes for tomorrow, and today's reconciliation with one planted
difference (the center's copy of one settlement is 10.00 more) for the office to resolve."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from sync.models import ReconciliationRun


def _control(path: str, body: dict) -> None:
    parts = urlsplit(settings.CENTER["URL"])
    requests.post(
        f"{parts.scheme}://{parts.netloc}/_control/{path}", json=body, timeout=10
    ).raise_for_status()


def load(log=print) -> None:
    from admission.models import Stay
    from settlement.models import Settlement
    from settlement.services import stay_settle
    from sync import cycle, reconcile

    if ReconciliationRun.objects.exists():
        return
    office = get_user_model().objects.filter(username="office").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _control(
        "sync",
        {
            "catalog_version": {
                "ver": f"{tomorrow:%Y%m%d}01",
                "begndate": tomorrow.isoformat(),
                "items": {
                    "210300001": {"name": "X线计算机体层(CT)平扫", "class": "B", "selfpay_prop": "0.10"}
                },
            }
        },
    )
    run = cycle.cycle_run()
    outcome = run.get_status_display() if run else "未运行（另有同步进行中）"
    log(f"同步演示：首次同步{outcome}，之后每 20 分钟一次")
    settled = Settlement.objects.filter(mode=Settlement.Mode.CENTER, status=Settlement.Status.SETTLED).first()
    if settled is None:
        stay = (
            Stay.objects.filter(status=Stay.Status.DISCHARGED, registrations__status="registered")
            .exclude(settlements__isnull=False)
            .order_by("pk")
            .first()
        )
        if stay is None or clerk is None:
            return
        settled = stay_settle(actor=clerk, stay=stay, idempotency_key=f"demo-sync-{stay.pk}")
    _control("sync", {"diverge": {settled.setl_id: "10.00"}})
    today = timezone.localdate()
    run = reconcile.reconcile(begin=today, end=today, actor=office)
    log(f"对账演示：{today} {run.get_result_display()}（{run.message}），医保办可在“对账”页处理")
