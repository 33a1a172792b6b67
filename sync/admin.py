from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.admin import ReadOnlyAdmin, TrackedAdmin
from sync import schedule
from sync.models import (
    CenterDictionaryEntry,
    DownloadConflict,
    DownloadRun,
    ReconciliationRun,
    SyncAction,
    SyncAlert,
    SyncCycle,
    SyncFailure,
    SyncPolicy,
)


@admin.register(SyncPolicy)
class SyncPolicyAdmin(TrackedAdmin):
    list_display = ("chunk_size", "max_attempts", "backoff_minutes", "watchdog_grace_minutes", "updated_at")

    def has_add_permission(self, request):
        return not SyncPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CenterDictionaryEntry)
class CenterDictionaryEntryAdmin(TrackedAdmin):
    list_display = ("type", "value", "label", "version", "effective_from", "effective_to")
    list_filter = ("type",)
    search_fields = ("type", "value", "label")


for model, columns in (
    (SyncCycle, ("started_at", "finished_at", "status", "trigger", "lag_seconds", "counts")),
    (SyncFailure, ("kind", "key", "subject", "status", "attempts", "next_attempt_at", "last_error")),
    (SyncAction, ("at", "actor", "action", "target", "note")),
    (SyncAlert, ("raised_at", "cleared_at", "message")),
    (DownloadRun, ("at", "kind", "version", "rows", "applied")),
    (DownloadConflict, ("run", "key", "field", "local_value", "center_value", "reviewed_at")),
    (ReconciliationRun, ("at", "stmt_begndate", "stmt_enddate", "result", "message")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))


# --- SYNC-1: the beat rows of the sync stay within 20 minutes and enabled (django-celery-beat's admin) ---


def _guard_periodic_task_admin() -> None:
    registered = admin.site._registry.get(PeriodicTask)
    if registered is None or getattr(registered.form, "sync_guarded", False):
        return
    base = registered.form

    class GuardedPeriodicTaskForm(base):
        sync_guarded = True

        def clean(self):
            data = super().clean()
            problem = schedule.task_problem(
                task=data.get("task") or data.get("regtask") or (self.instance.task if self.instance else ""),
                interval=data.get("interval"),
                crontab=data.get("crontab"),
                solar=data.get("solar"),
                clocked=data.get("clocked"),
                one_off=bool(data.get("one_off")),
                enabled=bool(data.get("enabled")),
            )
            if problem:
                raise ValidationError(problem)
            return data

    registered.form = GuardedPeriodicTaskForm


def _guard_interval_admin() -> None:
    registered = admin.site._registry.get(IntervalSchedule)
    if registered is None:
        return

    class GuardedIntervalForm(forms.ModelForm):
        sync_guarded = True

        class Meta:
            model = IntervalSchedule
            fields = ["every", "period"]

        def clean(self):
            data = super().clean()
            used = (
                self.instance.pk
                and PeriodicTask.objects.filter(
                    interval_id=self.instance.pk, task=schedule.SYNC_TASK
                ).exists()
            )
            if used:
                problem = schedule.interval_problem(data.get("every") or 0, data.get("period") or "")
                if problem:
                    raise ValidationError(problem)
            return data

    registered.form = GuardedIntervalForm


_guard_periodic_task_admin()
_guard_interval_admin()
