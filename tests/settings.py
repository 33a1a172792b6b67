"""Test settings: the production settings with a test key, plain static storage and Redis db 15."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_STATICFILES_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from config.settings import *  # noqa: F403
from config.settings import CACHES, REDIS_URL

# Tests never share a Redis database with a running `make run` (TEST_REDIS_DB for parallel runs).
# Under pytest-xdist each worker (gw0, gw1, …) takes its own Redis database below the base one.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/" + str(int(os.environ.get("TEST_REDIS_DB", "15")) - _WORKER)
CACHES["default"]["LOCATION"] = REDIS_URL
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
SECURE_COOKIES = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Argon2 is the production hasher (asserted in tests/core/test_settings.py); tests hash fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

# Tests never run collectstatic: whitenoise serves through the finders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
