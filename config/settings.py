"""Settings for 医保管理系统, read from the environment (django-environ).

Every variable is documented in the README's configuration table. Nothing here has a
production default for a secret: with DEBUG off, DJANGO_SECRET_KEY must be set.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-debug-only-key"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- The hospital this installation runs for (sent in every center message) ---
HOSPITAL = {
    # National designated-institution code: "H" + 6-digit region + 5 digits.
    "CODE": env.str("HOSPITAL_CODE", default="H61010300123"),
    "NAME": env.str("HOSPITAL_NAME", default="西安市示范第一人民医院"),
    # 3 = 三级, 2 = 二级, 1 = 一级 (drives SET-4 ratios and ADM-7 stay limits)
    "TIER": env.int("HOSPITAL_TIER", default=3),
    # RX-2 day-supply profile (prescriptions.DaySupplyProfile code): 000 default, 004 county-strict.
    "RX_PROFILE": env.str("HOSPITAL_RX_PROFILE", default="000"),
    # 6-digit administrative division code of the care region (mdtrtarea_admvs).
    "REGION_CODE": env.str("HOSPITAL_REGION_CODE", default="610103"),
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_celery_beat",
    "django_htmx",
    "csp",
    # ours
    "core",
    "hospital",
    "insured",
    "drug_catalog",
    "diagnoses",
    "prescriptions",
    "fees",
    "admission",
    "center",
    "settlement",
    "remote_care",
    "audit",
    "sync",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise: static files keep their caching; pages and API answers are never stored.
    "core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Over-long query strings, bodies over the upload limit, NUL characters: refused in Chinese before
    # any view reads them (after authentication, so the refusal page has its menu).
    "core.middleware.RequestBoundsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the acting user and URL with every history event (SYNC-4 traceability).
    "pghistory.middleware.HistoryMiddleware",
    # Last, so that lockouts see the authenticated request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/yibao")}
# A Unix-socket directory may be given URL-encoded as the host: postgres://user@%2Fpath%2Fto%2Fdir/db
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST", ""))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "yibao",
        "TIMEOUT": 300,
    }
}

# --- Authentication ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A window shift; an idle session expires after SESSION_IDLE_SECONDS (renewed on each request).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60 * 4)
# Renewed at most once a minute (core.middleware), not saved on every request; read from Redis
# with the database behind it (cached_db): a request costs no session query or write.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# django-axes: lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.views.axes_lockout"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# --- Security (production-safe unless explicitly relaxed) ---
SECURE_COOKIES = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): nothing from outside the hospital's own server. Scripts are our
# vendored files (an inline <script> needs nonce="{{ request.csp_nonce }}", no inline handlers);
# styles allow inline because templates use style="" and htmx adds its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Bounds on what a request may carry (answered in Chinese, never a server error) ---
# gunicorn lets a request line of any length through (config/gunicorn.conf.py); a query string above
# this many bytes is refused by core.middleware with a Chinese message.
MAX_QUERY_STRING_BYTES = env.int("MAX_QUERY_STRING_BYTES", default=4096)
# Roster and catalog imports: the largest file accepted (the limit is named in the refusal).
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=10)
IMPORT_MAX_UPLOAD_BYTES = IMPORT_MAX_UPLOAD_MB * 1024 * 1024
# A body above this is refused before it is read (the upload plus its form fields).
MAX_REQUEST_BODY_BYTES = IMPORT_MAX_UPLOAD_BYTES + 1024 * 1024
# Import files larger than this run as a Celery task with a progress bar; smaller ones at once.
IMPORT_ASYNC_BYTES = env.int("IMPORT_ASYNC_BYTES", default=64 * 1024)
# The longest text a single cell of an imported table may hold.
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=1000)
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Locale ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored, served by whitenoise (the intranet has no internet) ---
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- REST API ---
# API tokens expire this long after issue and die when the user's password changes.
API_TOKEN_TTL = timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=12))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then answers 401 with WWW-Authenticate: Token.
        "core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "医保管理系统 API",
    "DESCRIPTION": (
        "供医院信息系统（HIS）对接的版本化接口。令牌经 /api/v1/auth/token/ 获取，12 小时后过期（可配置），"
        "改密码即失效；医生、护士只能处理本科室、本病区的患者。错误统一为 {code, message, rule, errors}。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No online validator badge: the intranet has no internet and the CSP allows only this server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Fields named kind/med_type/category carry different choice sets in different apps: each set gets
    # its own component name (otherwise spectacular invents Kind650Enum … and warns).
    "ENUM_NAME_OVERRIDES": {
        "StayKindEnum": "admission.models.Stay.Kind",
        "OrderKindEnum": "admission.models.Order.Kind",
        "MedTypeEnum": "admission.models.MedType",
        "DrugApprovalKindEnum": "prescriptions.models.DrugApproval.Kind",
        "CodeTableEnum": "diagnoses.models.CodeTable",
        "Rx2CategoryEnum": "diagnoses.api.serializers.CATEGORY_CHOICES",
    },
}

# --- Celery (broker and results on Redis; beat schedule in the database) ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE = {
    # Lets /healthz tell whether beat is alive. The 20-minute sync (SYNC-1), its watchdog, daily report
    # and daily reconciliation are rows of django-celery-beat (sync migration 0002), editable by admins.
    "core-beat-heartbeat": {"task": "core.tasks.beat_heartbeat", "schedule": 60.0},
    # Unknown outcomes of center calls (lost replies, killed processes) are resolved with the center.
    "settlement-recover-center-intents": {
        "task": "settlement.tasks.recover_center_intents",
        "schedule": 60.0,
    },
}

# --- Logging: to stdout, for the process supervisor ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The insurance center (national 两定机构 interface). `make run` points this at the simulator. ---
CENTER = {
    "URL": env.str("CENTER_URL", default="http://127.0.0.1:8090/fsi/api/rsfComIfsService/callService"),
    # none | tif (x-tif gateway headers) | sm3 (signed cainfo) | sm4 (encrypted envelope)
    "AUTH": env.str("CENTER_AUTH", default="tif"),
    "PAASID": env.str("CENTER_PAASID", default="yibao_hosp"),
    "SECRET": env.str("CENTER_SECRET", default=""),
    "TIMEOUT": env.float("CENTER_TIMEOUT_SECONDS", default=15.0),
    "RETRIES": env.int("CENTER_RETRIES", default=2),
    "INFVER": env.str("CENTER_INFVER", default="V1.0"),
    "RECER_SYS_CODE": env.str("CENTER_RECER_SYS_CODE", default="YBXT"),
}

# Demo installations (make run) show a simulated card reader on the card-read page; never in production.
DEMO_MODE = env.bool("DEMO_MODE", default=False)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Yibao@2026")
