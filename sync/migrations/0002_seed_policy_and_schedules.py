"""SYNC-1: the sync's numbers and its beat rows (django-celery-beat, admin-editable): the cycle every
20 minutes, the watchdog every 5 minutes, the daily report at 07:00, the daily reconciliation at 01:30."""

from django.db import migrations

TASKS = [
    ("医保同步（SYNC-1，每 20 分钟）", "sync.tasks.sync_cycle", ("interval", 20)),
    ("医保同步看门狗（SYNC-1）", "sync.tasks.watchdog", ("interval", 5)),
    ("医保同步日报（SYNC-1）", "sync.tasks.daily_report", ("crontab", "0", "7")),
    ("医保对账（SYNC-2，每日）", "sync.tasks.daily_reconcile", ("crontab", "30", "1")),
]


def seed(apps, schema_editor):
    SyncPolicy = apps.get_model("sync", "SyncPolicy")
    if not SyncPolicy.objects.exists():
        SyncPolicy.objects.create(chunk_size=100, max_attempts=5, backoff_minutes=5, watchdog_grace_minutes=5)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, plan in TASKS:
        if PeriodicTask.objects.filter(task=task).exists():
            continue
        if plan[0] == "interval":
            interval, _ = IntervalSchedule.objects.get_or_create(every=plan[1], period="minutes")
            PeriodicTask.objects.create(name=name, task=task, interval=interval, enabled=True)
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=plan[1],
                hour=plan[2],
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Asia/Shanghai",
            )
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_sync_cycles_failures_reconciliation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
