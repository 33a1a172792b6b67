"""Settings load from the environment, with production-safe defaults when DEBUG is off."""

import os
import subprocess
import sys

from django.conf import settings

from core.roles import ROLE_GROUP_NAMES, Role


def _load_settings(**env):
    """Import config.settings in a fresh interpreter with exactly `env` (plus PATH) set."""
    base = {"PATH": os.environ["PATH"], "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", **env}
    code = (
        "import config.settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.TIME_ZONE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_secure_when_debug_is_off():
    result = _load_settings(DJANGO_SECRET_KEY="x" * 50, DJANGO_HSTS_SECONDS="31536000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "31536000", "Asia/Shanghai"]


def test_debug_allows_a_development_key():
    result = _load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_non_postgres_database_is_refused():
    result = _load_settings(DJANGO_SECRET_KEY="x" * 50, DATABASE_URL="mysql://root@127.0.0.1/x")
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_locale_time_zone_and_hospital_identity():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.HOSPITAL["CODE"].startswith("H") and len(settings.HOSPITAL["CODE"]) == 12
    assert settings.HOSPITAL["CODE"][1:7] == settings.HOSPITAL["REGION_CODE"]
    assert settings.HOSPITAL["TIER"] == 3
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_production_hasher_is_argon2():
    import config.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # renewed by core.middleware instead
    assert "core.middleware.SessionRenewalMiddleware" in settings.MIDDLEWARE
    assert 0 < settings.SESSION_RENEW_SECONDS <= 300  # idle timeout exact to within this
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_role_group_names_are_the_chinese_names():
    assert [ROLE_GROUP_NAMES[r] for r in Role] == ["收费员", "医保办", "医生", "护士", "管理员"]
