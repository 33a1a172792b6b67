from django.apps import AppConfig


class RemoteCareConfig(AppConfig):
    name = "remote_care"
    verbose_name = "异地就医"
