"""Celery tasks of the sync: thin, each calls a service. Schedules are rows of django-celery-beat
(migration 0002), editable by admins (the cycle never longer than 20 minutes, SYNC-1)."""

from celery import shared_task


@shared_task(name="sync.tasks.sync_cycle", acks_late=True)
def sync_cycle(actor_id: int | None = None, trigger: str = "beat") -> int | None:
    from django.contrib.auth import get_user_model

    from sync import cycle

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    run = cycle.cycle_run(actor=actor, trigger=trigger, dispatch=True)
    return run.pk if run else None


@shared_task(name="sync.tasks.run_chunks", acks_late=True)
def run_chunks(cycle_id: int) -> int:
    """Any worker on any machine: take the cycle's chunks until none is left."""
    from sync import cycle
    from sync.models import SyncCycle

    return cycle.work(SyncCycle.objects.get(pk=cycle_id), wait=False)


@shared_task(name="sync.tasks.watchdog")
def watchdog() -> bool:
    from sync import watchdog as dog

    return dog.watchdog_check()["ok"]


@shared_task(name="sync.tasks.daily_report")
def daily_report() -> dict:
    from sync import watchdog as dog

    return dog.daily_report()


@shared_task(name="sync.tasks.daily_reconcile")
def daily_reconcile() -> int:
    import datetime

    from django.utils import timezone

    from sync import reconcile

    day = timezone.localdate() - datetime.timedelta(days=1)
    return reconcile.reconcile(begin=day, end=day).pk
