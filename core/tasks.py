"""Housekeeping tasks. Tasks are thin: they call a service or record a fact."""

from celery import shared_task

from core import health


@shared_task(name="core.tasks.beat_heartbeat")
def beat_heartbeat() -> str:
    """Scheduled by beat every minute; /healthz reports how long ago it last ran."""
    return health.record_beat_heartbeat()
