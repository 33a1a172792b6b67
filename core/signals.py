from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver


@receiver(user_logged_out)
def tell_user_logged_out(sender, request, user, **kwargs):
    if request is not None:
        messages.info(request, "您已安全退出。")


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="core.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs):
    """A password change ends every API token of the user (issue 19, item 9)."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    from rest_framework.authtoken.models import Token

    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()


def _forget_calendar_year(sender, instance, **kwargs):
    from core.workdays import forget_year

    forget_year(instance.day.year)


def connect_calendar_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from core.models import CalendarDay

    post_save.connect(_forget_calendar_year, sender=CalendarDay, dispatch_uid="core.calendar_saved")
    post_delete.connect(_forget_calendar_year, sender=CalendarDay, dispatch_uid="core.calendar_deleted")
