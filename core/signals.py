from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def tell_user_logged_out(sender, request, user, **kwargs):
    if request is not None:
        messages.info(request, "您已安全退出。")
