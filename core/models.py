"""Conventions shared by every app's models."""

import pghistory
from django.conf import settings
from django.db import models


def track_history(**kwargs):
    """pghistory tracking for a TrackedModel: an event per insert and per real change.

    `updated_at` is left out of the snapshot so that a save that changes nothing else
    (an idempotent re-seed, a no-op admin save) records no event.
    """
    exclude = ["updated_at", *kwargs.pop("exclude", [])]
    return pghistory.track(exclude=exclude, **kwargs)


class TrackedModel(models.Model):
    """Created/updated timestamps and the acting user.

    Services set `created_by` / `updated_by` explicitly (keyword `actor`); the full change
    history of money and status lives in pghistory events, which also record the request user.
    """

    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class ValidityPeriodModel(models.Model):
    """A version valid from a date (inclusive) until an optional date (exclusive).

    Policy numbers, catalogs and code tables are versioned this way: a version in use is
    never edited, a new one with a later `effective_from` replaces it.
    """

    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="不含当日；留空表示长期有效")

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="%(app_label)s_%(class)s_period_valid",
                violation_error_message="失效日期必须晚于生效日期。",
            )
        ]

    @classmethod
    def valid_on_filter(cls, on_date):
        """Q filter for rows valid on `on_date`."""
        return models.Q(effective_from__lte=on_date) & (
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gt=on_date)
        )


@track_history()
class CalendarDay(TrackedModel):
    """ADM-3, REM-4: one day that breaks the weekly pattern — a statutory holiday (休息) or a
    make-up working day (调休上班) — from the State Council's yearly notice. Seeded from the
    chinese-calendar package for the years it knows; the administrator adds a new year's rows
    when the notice is published. A year with no rows counts weekends only (core.workdays)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休息）"
        WORKDAY = "workday", "调休上班"

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=40, blank=True, help_text="如 春节、国庆节")

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
