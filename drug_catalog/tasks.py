"""Celery tasks of the catalog app: one line each, calling a service."""

from celery import shared_task


@shared_task(name="drug_catalog.catalog_import_run")
def catalog_import_run(record_id: int) -> None:
    from drug_catalog import services

    services.catalog_import_run(record_id)
