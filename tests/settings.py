"""Test settings: the production settings with a test key, plain static storage and Redis db 15."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from config.settings import *  # noqa: F403
from config.settings import CACHES, REDIS_URL

# Tests never share a Redis database with a running `make run`.
REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/15"
CACHES["default"]["LOCATION"] = REDIS_URL
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
SECURE_COOKIES = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
