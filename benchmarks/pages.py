"""Benchmark: the main pages of each role, server time (issue 19: "any page still over 1 s").

    .venv/bin/python -m benchmarks.pages [--rounds 5]

Needs DATABASE_URL / REDIS_URL of a database holding the demo data (`manage.py bootstrap`; with the
simulated center, `seed_demo_stays` and `seed_demo_settlements` add stays and settlements, whose pages
are then measured too). Each demo user (clerk, office, doctor, nurse, admin) fetches the home page,
every menu entry of his role and, where the demo has one, a stay, its orders, charges' daily list, the
settlement page and its prints, in process (Django's test client: view, queries and template, no
network). One warm-up fetch, then --rounds timed fetches per page; prints p50 and max in ms and marks
every page whose p50 is over 1,000 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def pages_for(user, username: str) -> list[str]:
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from admission import access
    from admission.models import Stay
    from core.demo import DEMO_USERS
    from core.navigation import NAV_ITEMS
    from settlement.models import Settlement

    role = next(u.role for u in DEMO_USERS if u.username == username)
    urls = ["/"]
    for item in NAV_ITEMS:
        if role in item.roles:
            try:
                urls.append(reverse(item.url_name, kwargs=item.url_kwargs))
            except NoReverseMatch:
                continue
    # the latest open stay this user may open (a doctor's department, a nurse's ward)
    stays = Stay.objects.open().order_by("-pk")
    if username in ("doctor", "nurse"):
        stays = access.stays_for(user, role, queryset=stays)
    stay = stays.first()
    settlement = Settlement.objects.filter(stay__isnull=False).order_by("-pk").first()
    if stay is not None:
        day = timezone.localtime(stay.admitted_at).date().isoformat()
        by_role = {
            "clerk": [
                f"/admission/{stay.pk}/",
                f"/admission/{stay.pk}/daily/{day}/",
                f"/settlement/stays/{stay.pk}/",
            ],
            "nurse": [f"/admission/{stay.pk}/"],
            "doctor": [f"/admission/{stay.pk}/", f"/admission/{stay.pk}/orders/"],
            "office": [f"/admission/{stay.pk}/"],
        }
        urls += by_role.get(username, [])
    if settlement is not None and username == "clerk":
        urls += [f"/settlement/{settlement.pk}/receipt/", f"/settlement/{settlement.pk}/list/"]
    return list(dict.fromkeys(urls))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault(
        "DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.demo import DEMO_USERS

    load_before = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    slow: list[str] = []
    print(f"{'role':<8} {'p50 ms':>8} {'max ms':>8}  status  page")
    for demo in DEMO_USERS:
        user = get_user_model().objects.filter(username=demo.username).first()
        if user is None:
            print(f"{demo.username:<8} (no demo user: run manage.py bootstrap)")
            continue
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for url in pages_for(user, demo.username):
            status = client.get(url).status_code  # warm-up (templates, caches)
            samples = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                client.get(url)
                samples.append((time.perf_counter() - started) * 1000)
            p50, worst = statistics.median(samples), max(samples)
            mark = "  ← over 1 s" if p50 > 1000 else ""
            print(f"{demo.username:<8} {p50:8.1f} {worst:8.1f}  {status:>6}  {url}{mark}")
            if p50 > 1000:
                slow.append(f"{demo.username} {url} ({p50:.0f} ms)")
    print(f"load average before: {load_before}; after: {' / '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print("pages over 1 s: " + ("; ".join(slow) if slow else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
