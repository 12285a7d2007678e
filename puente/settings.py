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
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PUENTE_DATA_DIR", BASE_DIR / "data"))

SECRET_KEY = os.environ.get("PUENTE_SECRET_KEY", "")
DEBUG = os.environ.get("PUENTE_DEBUG", "0" if SECRET_KEY else "1") == "1"
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("PUENTE_SECRET_KEY must be set when PUENTE_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [h for h in os.environ.get("PUENTE_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
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
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Puente"

# Sessions expire after inactivity: the session is refreshed on every request and dies
# PUENTE_SESSION_IDLE_SECONDS after the last one.
SESSION_COOKIE_AGE = int(os.environ.get("PUENTE_SESSION_IDLE_SECONDS", str(60 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "puente" / "locale"]
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

from csp.constants import NONE, SELF  # noqa: E402

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
}

AUDITLOG_MASK_CALLABLE = "puente.core.audit.redact"
