"""Django settings, read from the environment in this one place.

DJANGO_DEBUG=1 for development. DJANGO_ENV=production for a real deployment: then
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS are required (start-up stops with a
clear message without them), debug is off whatever DJANGO_DEBUG says, cookies are
secure, and with VBP_TLS (default on) HTTPS is enforced with HSTS.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = os.environ.get("DJANGO_ENV", "") == "production"
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1" and not PRODUCTION


def _required(name: str, why: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set: {why}")
    return value


SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_CHARACTERS = 50, 5  # as Django's own deployment check asks

if PRODUCTION or not DEBUG:
    SECRET_KEY = _required("DJANGO_SECRET_KEY", "a long random secret (set DJANGO_DEBUG=1 only for development)")
    if PRODUCTION and (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_CHARACTERS
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak for production: use at least {SECRET_KEY_MIN_LENGTH} random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
else:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or "dev-only-insecure-key-not-for-production"

if PRODUCTION:
    ALLOWED_HOSTS = _required("DJANGO_ALLOWED_HOSTS", "the host names this system answers, comma-separated").split(",")
else:
    ALLOWED_HOSTS = [host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if host]

INSTALLED_APPS = [
    "vbp.accounts.admin_apps.SystemAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "captcha",
    "vbp.audit",
    "vbp.regions",
    "vbp.accounts",
    "vbp.catalog",
    "vbp.rulesets",
    "vbp.platformdata",
    "vbp.assessment",
    "vbp.funding",
    "vbp.appeals",
    "vbp.notices",
    "vbp.monitoring",
    "vbp.supervision",
    "vbp.ui",
    "vbp.web",
    "vbp.api",
]

AUTH_USER_MODEL = "accounts.User"
# Every password check goes through the lockout (vbp.accounts.backends), whichever page asks.
AUTHENTICATION_BACKENDS = ["vbp.accounts.backends.LockoutBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "vbp.web.middleware.StaticFilesMiddleware",  # WhiteNoise: static files served by the system, DEBUG or not
    "vbp.web.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vbp.audit.context.RequestContextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vbp.audit.middleware.DeniedRequestMiddleware",
    "vbp.accounts.middleware.AccountPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vbp.web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vbp.web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# DATABASE_URL (postgres://user:password@host:5432/name) selects PostgreSQL; without it, embedded SQLite.
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("VBP_SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            # one writer at a time: wait for the worker's transaction instead of failing at once
            # WAL lets pages read while the worker writes a large import.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }

# Background work (large imports): django-tasks with its database backend; `make run` starts the worker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Imports of larger files than this are checked and written by the background worker, with a progress bar.
VBP_IMPORT_BACKGROUND_BYTES = int(os.environ.get("VBP_IMPORT_BACKGROUND_BYTES", 512 * 1024))

# Attachments (PDF or image) are stored here, outside the web root, and served only through scoped views.
VBP_ATTACHMENT_ROOT = Path(os.environ.get("VBP_ATTACHMENT_ROOT", str(BASE_DIR / "var" / "attachments")))
VBP_ATTACHMENT_MAX_BYTES = int(os.environ.get("VBP_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# Order lines of procurement monitoring, kept columnar: Parquet files by year and month under this folder.
VBP_DATA_ROOT = Path(os.environ.get("VBP_DATA_ROOT", str(BASE_DIR / "var" / "data")))
# The quarterly 通报 names a distributor whose 配送率 or 48小时内配送率 falls below these (fractions, as text).
VBP_DELIVERY_RATE_FLOOR = os.environ.get("VBP_DELIVERY_RATE_FLOOR", "0.95")
VBP_DELIVERY_48H_FLOOR = os.environ.get("VBP_DELIVERY_48H_FLOOR", "0.80")
# …and a hospital whose 按期回款率 (of what fell due, the share paid within 30 days of receipt) falls below this.
VBP_PAYMENT_30D_FLOOR = os.environ.get("VBP_PAYMENT_30D_FLOOR", "0.90")

# Uploads: large workbooks are read from memory or a temporary file, never from the internet.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# A request body larger than this is refused before it is read (413), and so before anything is stored.
VBP_UPLOAD_MAX_BYTES = int(os.environ.get("VBP_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))
# Uploaded workbooks are checked against these limits before any parser opens them (vbp.calc.guard):
# the inflated size of all its parts, the zip's expansion ratio, and the cells of each sheet's used area.
VBP_WORKBOOK_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("VBP_WORKBOOK_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024))
VBP_WORKBOOK_MAX_RATIO = int(os.environ.get("VBP_WORKBOOK_MAX_RATIO", 100))
VBP_WORKBOOK_MAX_CELLS = int(os.environ.get("VBP_WORKBOOK_MAX_CELLS", 20_000_000))

# Background jobs (imports, recalculations) prove they are alive: a job whose worker has not reported within
# the lease is shown as interrupted, to be rerun or cancelled.
VBP_JOB_HEARTBEAT_SECONDS = float(os.environ.get("VBP_JOB_HEARTBEAT_SECONDS", 10))
VBP_JOB_LEASE_SECONDS = float(os.environ.get("VBP_JOB_LEASE_SECONDS", 60))
# Hospitals a recalculation refreshes per transaction (and between its progress reports).
VBP_RECALCULATION_CHUNK = int(os.environ.get("VBP_RECALCULATION_CHUNK", 50))

# --- security (网络安全等级保护 2.0, level 3) ---
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "vbp.accounts.passwords.LengthValidator"},
    {"NAME": "vbp.accounts.passwords.ClassesValidator"},
    {"NAME": "vbp.accounts.passwords.NotUsernameValidator"},
    {"NAME": "vbp.accounts.passwords.HistoryValidator"},
    {"NAME": "vbp.accounts.passwords.WeakPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
SESSION_COOKIE_AGE = 30 * 60  # idle timeout: each request renews it
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    if os.environ.get("VBP_TLS", "1") == "1":  # behind TLS (the usual case); VBP_TLS=0 only on a closed test network
        SECURE_SSL_REDIRECT = True
        SECURE_HSTS_SECONDS = 31536000
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
    if os.environ.get("VBP_BEHIND_PROXY", "") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The captcha is drawn by the system itself. Its test mode (answer "PASSED") exists for tests only.
CAPTCHA_TEST_MODE = False
CAPTCHA_LENGTH = 4
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
CAPTCHA_IMAGE_SIZE = (110, 36)
CAPTCHA_FONT_SIZE = 26

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "vbp.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "集采结余留用管理系统 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served by this system, never from a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LANGUAGE_CODE = "zh-hans"
LOCALE_PATHS = [BASE_DIR / "vbp" / "locale"]  # corrections of a few of Django's own Chinese messages
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "vbp" / "web" / "static"]
# Plain names (no manifest), so pages render alike before `collectstatic` (tests, DEBUG); it adds compressed variants.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_ROOT = BASE_DIR / "vbp" / "web" / "root"  # served at /: favicon.ico
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Errors and warnings to the console (the service manager keeps them): a 500's traceback, the worker's problems.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"vbp": {"level": os.environ.get("VBP_LOG_LEVEL", "INFO"), "propagate": True}},
}
