"""Settings for Puente.

One module for every environment; what differs comes from the environment:

- ``DATABASE_URL``: PostgreSQL in production and CI; an SQLite file in ``data/`` by default so
  that a newcomer's first command works with nothing installed.
- ``PUENTE_DEBUG``: "1" in development (the default when no ``PUENTE_SECRET_KEY`` is set).
- ``PUENTE_SECRET_KEY``, ``PUENTE_ALLOWED_HOSTS``: required in production.
- ``PUENTE_DATA_KEYS`` / ``PUENTE_KEY_FILE``: the keys that encrypt personal data at rest. They are
  never stored in the database (see ``puente.core.crypto``).
- ``EMAIL_URL``-style SMTP settings (``PUENTE_SMTP_HOST`` ...): email goes to the console otherwise.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PUENTE_DATA_DIR", BASE_DIR / "data"))

SECRET_KEY = os.environ.get("PUENTE_SECRET_KEY", "")
DEBUG = os.environ.get("PUENTE_DEBUG", "0" if SECRET_KEY else "1") == "1"
if not SECRET_KEY and DEBUG:  # production without a key is refused below, with the rest that is missing
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - development only; production refuses to start without its own

ALLOWED_HOSTS = [h for h in os.environ.get("PUENTE_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)

# Where Puente is served (scheme and host, no path): emails carry absolute links built from it.
PUENTE_BASE_URL = os.environ.get("PUENTE_BASE_URL", "" if not DEBUG else "http://127.0.0.1:8000").rstrip("/")
# Workers' text messages (puente.voice): the Twilio auth token that signs its webhook requests.
PUENTE_TWILIO_AUTH_TOKEN = os.environ.get("PUENTE_TWILIO_AUTH_TOKEN", "")
# Production (PUENTE_ENV=production, or debug off) refuses to start without what it cannot run
# safely without, and names everything that is missing at once.
PUENTE_ENV = os.environ.get("PUENTE_ENV", "development" if DEBUG else "production")
if PUENTE_ENV == "production" or not DEBUG:
    _missing = [name for name, present in [
        ("PUENTE_SECRET_KEY", bool(os.environ.get("PUENTE_SECRET_KEY"))),
        ("PUENTE_ALLOWED_HOSTS", bool(os.environ.get("PUENTE_ALLOWED_HOSTS", "").strip(","))),
        ("PUENTE_DATA_KEYS or PUENTE_KEY_FILE", bool(os.environ.get("PUENTE_DATA_KEYS", "").strip())
         or Path(os.environ.get("PUENTE_KEY_FILE", DATA_DIR / "keys" / "data.keys")).is_file()),
        ("PUENTE_BASE_URL", os.environ.get("PUENTE_BASE_URL", "").startswith(("https://", "http://"))),
    ] if not present]
    if _missing:
        raise RuntimeError(
            "Puente will not start in production without: " + ", ".join(_missing)
            + " (set them in the environment; see docs/deploy.md)."
        )
    if DEBUG:
        raise RuntimeError("PUENTE_ENV=production with PUENTE_DEBUG=1: turn debug off in production.")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("PUENTE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "djmoney",
    "django_htmx",
    "puente.core",
    "puente.network",
    "puente.locate",
    "puente.cases",
    "puente.billing",
    "puente.visas",
    "puente.abuse",
    "puente.voice",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "puente.api",
    "django_q",
    "puente.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "puente.core.input_guard.NulByteGuardMiddleware",  # a NUL byte in a parameter: 400, not a 500 on PostgreSQL
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "puente.core.sessions.SessionActivityMiddleware",
    "puente.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "puente.core.middleware.CoordinatorTwoFactorMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "puente.api.middleware.ApiTokenMiddleware",  # /api/ only: logs each token's use, the token user's language
    "puente.core.routers.ReplicaMiddleware",  # last: serves public visa pages from a replica when one is set
]

ROOT_URLCONF = "puente.urls"
WSGI_APPLICATION = "puente.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "puente" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "puente.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'puente.sqlite3'}",
        conn_max_age=int(os.environ.get("PUENTE_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once: several people use the demo at the same time.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Write-ahead log: readers go on reading while someone writes (a long import included), and
    # a commit waits for one flush instead of two. The mode is stored in the database file.
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "network.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email logins, no self sign-up (Coordinators invite), throttled failures, TOTP.
ACCOUNT_ADAPTER = "puente.network.auth.InviteOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins counted per account and address together, per account and per address
# (puente/core/signin_throttle.py); TOTP codes per account ("login_failed", keyed by account).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key",
    "login_failed_pair": "5/5m/key",
    "login_failed_account": "20/1h/key",
    "login_failed_address": "30/15m/key",
    "reset_password": "5/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Puente"

# Sessions expire after inactivity: the session is refreshed on every request and dies
# PUENTE_SESSION_IDLE_SECONDS after the last one.
SESSION_COOKIE_AGE = int(os.environ.get("PUENTE_SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# One cache shared by every server process and kept across restarts (sign-in throttling counts
# live in it): the database cache, on SQLite and PostgreSQL alike; its table is created by
# core's migration 0002 (createcachetable).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "puente_cache"}}

LANGUAGE_CODE = "en"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "puente" / "locale"]
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("PUENTE_STATIC_ROOT", BASE_DIR / "staticfiles"))
# In production whitenoise serves the files collected by `collectstatic` with hashed names
# (cached for a year) and pre-compressed (gzip, brotli when installed); in development Django's
# finders serve them from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if not DEBUG
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATICFILES_DIRS = [BASE_DIR / "puente" / "static"]
# Uploads are never served from the web root: they live encrypted under data/private and are
# streamed by views that check access first (see puente.core.storage).
MEDIA_ROOT = DATA_DIR / "private"
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PUENTE_UPLOAD_MAX_BYTES = int(os.environ.get("PUENTE_UPLOAD_MAX_BYTES", str(15 * 1024 * 1024)))

# Encryption of personal data at rest. Keys live outside the database: in the environment
# (comma-separated Fernet keys, newest first) or in a key file. See puente.core.crypto.
PUENTE_DATA_KEYS = os.environ.get("PUENTE_DATA_KEYS", "")
PUENTE_KEY_FILE = Path(os.environ.get("PUENTE_KEY_FILE", DATA_DIR / "keys" / "data.keys"))

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("PUENTE_SMTP_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("PUENTE_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PUENTE_SMTP_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("PUENTE_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PUENTE_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("PUENTE_SMTP_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("PUENTE_FROM_EMAIL", "Puente <no-reply@puente.local>")

# Background work: Django-Q2 with its ORM broker, so the queue lives in the same database
# (PostgreSQL in production, the SQLite file by default) and needs no other service; `puente serve`
# starts its worker (`puente qcluster`) next to the web processes. docs/deploy.md says why.
# Under the test runner tasks run inline, in the test's process (PUENTE_TASKS_SYNC=0 to queue).
PUENTE_TASKS_SYNC = os.environ.get("PUENTE_TASKS_SYNC", "1" if "pytest" in sys.modules else "0") == "1"
Q_CLUSTER = {
    "name": "puente",
    "orm": "default",
    "workers": int(os.environ.get("PUENTE_QUEUE_WORKERS", "2")),
    "recycle": 200,  # a worker process is replaced after 200 tasks: memory stays bounded
    "timeout": int(os.environ.get("PUENTE_JOB_TIMEOUT", str(60 * 60))),  # the longest import
    # A task taken by a worker that died is handed out again after `retry` seconds (> timeout);
    # each job's effect is one transaction, so a rerun never finds it half-applied.
    "retry": int(os.environ.get("PUENTE_JOB_TIMEOUT", str(60 * 60))) + 300,
    "max_attempts": 3,
    "ack_failures": True,  # a failure is recorded and retried by our own code (puente.core.mail, puente.jobs)
    "save_limit": 1000,
    "poll": 0.5,
    "catch_up": False,  # a periodic job missed while stopped runs once, not once per missed period
    "sync": PUENTE_TASKS_SYNC,
    "label": "Background tasks",
}

# Read replicas (off unless configured): PUENTE_REPLICA_DATABASE_URL adds a "replica" database
# that the public visa pages read from (puente.core.routers); writes always go to "default".
if os.environ.get("PUENTE_REPLICA_DATABASE_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["PUENTE_REPLICA_DATABASE_URL"], conn_max_age=int(os.environ.get("PUENTE_DB_CONN_MAX_AGE", "0")))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["puente.core.routers.ReplicaRouter"]

# Money: exact decimals with a currency (django-money). The currencies of the network.
CURRENCIES = ("MXN", "GTQ", "HNL", "NIO", "USD", "CAD")
DEFAULT_CURRENCY = "USD"

# Audit history (django-auditlog): who changed what; personal fields are masked there.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Security headers. A content security policy that the pages satisfy: no inline scripts.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_SSL_REDIRECT = os.environ.get("PUENTE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from csp.constants import NONE, SELF  # noqa: E402 - imported where the content security policy is set

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PUENTE_LOG_LEVEL", "WARNING")},
    # Mail and background jobs say what they did (a failed email is logged with its attempt).
    "loggers": {"puente.mail": {"level": "INFO"}, "puente.jobs": {"level": "INFO"}},
}

AUDITLOG_MASK_CALLABLE = "puente.core.audit.redact"

# The API (/api/v1/, puente.api; docs/api.md): Django REST Framework, described by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "puente.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["puente.api.permissions.PuentePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["puente.api.throttling.PuenteRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "puente.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "puente.api.schema.PuenteAutoSchema",
    "EXCEPTION_HANDLER": "puente.api.errors.exception_handler",
}
# Requests per minute per token (per user for the browser's session, per address for anonymous calls).
PUENTE_API_RATES = {
    "token": os.environ.get("PUENTE_API_RATE_TOKEN", "600/min"),
    "user": os.environ.get("PUENTE_API_RATE_USER", "600/min"),
    "anon": os.environ.get("PUENTE_API_RATE_ANON", "120/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Puente API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN (the CSP forbids one).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# drf-spectacular's W001 names enum components that share a field name ("status", "kind") with a
# hash suffix and says so at every check: cosmetic naming in the OpenAPI document, which the
# schemathesis tests validate as a whole (tests/api). Silenced so `check --deploy` stays clean.
SILENCED_SYSTEM_CHECKS = ["drf_spectacular.W001"]
