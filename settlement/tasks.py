"""Celery tasks of the settlement app: thin, each calling a service."""

from celery import shared_task

from settlement import recovery


@shared_task(name="settlement.tasks.recover_center_intents")
def recover_center_intents() -> dict[str, int]:
    """Every minute (beat): settle every unknown outcome with the center (issue 16)."""
    return recovery.recover_due()
