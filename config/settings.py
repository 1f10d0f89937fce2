"""Settings, driven by SHEQU_* environment variables (see docs/deployment.md)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHEQU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SHEQU_SECRET_KEY", "shequ-insecure-development-key-change-me")
DEBUG = env_bool("SHEQU_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "shequ.core",
    "shequ.accounts",
    "shequ.areas",
    "shequ.registry",
    "shequ.standards",
    "shequ.facilities",
    "shequ.funding",
    "shequ.governance",
    "shequ.grids",
    "shequ.incidents",
    "shequ.elections",
    "shequ.disclosure",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "shequ.core.middleware.ApplicationErrorMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.core.context_processors.viewer",
            ],
        },
    }
]

# SQLite is the embedded default; PostgreSQL 15 is production (SHEQU_DATABASE_URL=postgres://...).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("SHEQU_DATABASE_URL", f"sqlite:///{VAR_DIR / 'shequ.sqlite3'}"),
        conn_max_age=int(os.environ.get("SHEQU_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("SHEQU_FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Uploads bigger than this are refused with a message naming the limit (the CLI has no limit).
SHEQU_IMPORT_MAX_BYTES = int(os.environ.get("SHEQU_IMPORT_MAX_BYTES", str(64 * 1024 * 1024)))
# Uploaded import files and their reports (they hold ID numbers); `manage.py purge_imports` deletes those
# older than SHEQU_IMPORT_RETENTION_DAYS, and the finished resident exports in SHEQU_EXPORT_DIR with them.
SHEQU_IMPORT_DIR = Path(os.environ.get("SHEQU_IMPORT_DIR", VAR_DIR / "imports"))
SHEQU_IMPORT_RETENTION_DAYS = int(os.environ.get("SHEQU_IMPORT_RETENTION_DAYS", "7"))
# PostgreSQL: a load this large into empty registry tables drops their secondary indexes and rebuilds them after.
SHEQU_IMPORT_REBUILD_INDEXES_MIN_ROWS = int(os.environ.get("SHEQU_IMPORT_REBUILD_INDEXES_MIN_ROWS", "100000"))
# PostgreSQL work_mem for the import's set-based statements.
SHEQU_IMPORT_WORK_MEM = os.environ.get("SHEQU_IMPORT_WORK_MEM", "64MB")
# A batch creating more records than this gets one audit row for the batch instead of one per record.
SHEQU_IMPORT_AUDIT_EACH_MAX = int(os.environ.get("SHEQU_IMPORT_AUDIT_EACH_MAX", "20000"))
# Resident exports with more rows than this run as a background job (a progress page, then a download).
SHEQU_EXPORT_SYNC_MAX_ROWS = int(os.environ.get("SHEQU_EXPORT_SYNC_MAX_ROWS", "20000"))
SHEQU_EXPORT_DIR = Path(os.environ.get("SHEQU_EXPORT_DIR", VAR_DIR / "exports"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# PIPL: access logs are kept at least six months; the purge command never goes below this floor.
SHEQU_ACCESS_LOG_RETENTION_DAYS = max(183, int(os.environ.get("SHEQU_ACCESS_LOG_RETENTION_DAYS", "365")))

# Background work: "thread" runs jobs inside the web process (embedded demo, no extra server);
# "celery" sends them to Celery workers on Redis (production).
SHEQU_TASK_BACKEND = os.environ.get("SHEQU_TASK_BACKEND", "thread")
CELERY_BROKER_URL = os.environ.get("SHEQU_REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Periodic work, run by `celery -A config beat` (times in CELERY_TIMEZONE). The nightly recompute keeps compliance
# results current when households change in the registry or a new calendar year begins.
CELERY_BEAT_SCHEDULE = {
    "standards-recompute-nightly": {
        "task": "shequ.standards.recompute_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQU_LOG_LEVEL", "WARNING")},
}

# Photos of premises and incidents: real PNG/JPEG/WebP images up to this size.
SHEQU_PHOTO_MAX_BYTES = int(os.environ.get("SHEQU_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
# Map tiles (Leaflet URL template such as "https://tiles.example.gov.cn/{z}/{x}/{y}.png"); empty: no tile layer —
# the maps still draw buildings, grids and cases on a blank background (an intranet may have no tile server).
SHEQU_MAP_TILE_URL = os.environ.get("SHEQU_MAP_TILE_URL", "")
SHEQU_MAP_TILE_ATTRIBUTION = os.environ.get("SHEQU_MAP_TILE_ATTRIBUTION", "")
# Open311 GeoReport v2: the jurisdiction_id clients must send (the city's area code).
SHEQU_OPEN311_JURISDICTION = os.environ.get("SHEQU_OPEN311_JURISDICTION", "4313")
SHEQU_OPEN311_CONTACT = os.environ.get("SHEQU_OPEN311_CONTACT", "")  # discovery's contact; empty: a default text
SHEQU_OPEN311_KEY_SERVICE = os.environ.get("SHEQU_OPEN311_KEY_SERVICE", "")  # where clients get an api_key
SHEQU_OPEN311_ENDPOINT_TYPE = os.environ.get("SHEQU_OPEN311_ENDPOINT_TYPE", "production")  # or "test"
