"""Celery tasks of the audit: thin, each calls a service."""

from celery import shared_task


@shared_task(name="audit.tasks.nightly_audit")
def nightly_audit() -> int:
    """Beat, 02:00 (schedule row from migration 0002): yesterday's batch, chunks queued on the workers."""
    from audit import batch

    return batch.nightly().pk


@shared_task(name="audit.tasks.run_chunk", acks_late=True)
def run_chunk(chunk_id: int) -> int:
    from audit import batch

    return batch.chunk_run(chunk_id).findings
