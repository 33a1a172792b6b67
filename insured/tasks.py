"""Celery tasks of the insured app: one line each, calling a service."""

from celery import shared_task


@shared_task(name="insured.roster_import_run")
def roster_import_run(record_id: int) -> None:
    from insured import roster

    roster.roster_import_run(record_id)
