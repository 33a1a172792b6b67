from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def tell_user_logged_out(sender, request, user, **kwargs):
    if request is not None:
        messages.info(request, "您已安全退出。")


def _forget_calendar_year(sender, instance, **kwargs):
    from core.workdays import forget_year

    forget_year(instance.day.year)


def connect_calendar_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from core.models import CalendarDay

    post_save.connect(_forget_calendar_year, sender=CalendarDay, dispatch_uid="core.calendar_saved")
    post_delete.connect(_forget_calendar_year, sender=CalendarDay, dispatch_uid="core.calendar_deleted")
