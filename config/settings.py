"""Settings for the station platform: one module, driven by the environment.

Two modes (docs/deploy.md):

* ``STATION_MODE=embedded`` (the default): SQLite under ``var/``, Celery tasks run
  in-process, a secret key and a ledger signing key generated on first start. What
  ``make run`` and ``make test`` use.
* ``STATION_MODE=production``: PostgreSQL (``DATABASE_URL``), a Celery broker
  (``CELERY_BROKER_URL``), secrets and the signing key from the environment, HTTPS-only
  cookies. Missing settings stop the process with a message that names them.

Why this module is long: Django reads its settings from one module, and every setting
here is read from the environment with its default and the reason for it next to it;
splitting them over files would hide which setting a mode changes.
"""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STATION_VAR_DIR", BASE_DIR / "var"))

STATION_MODE = os.environ.get("STATION_MODE", "embedded")
if STATION_MODE not in ("embedded", "production"):
    raise ImproperlyConfigured("STATION_MODE must be 'embedded' or 'production'")
PRODUCTION = STATION_MODE == "production"
if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when STATION_MODE=production")
    return value


def _embedded_secret_key():
    """A random key kept in var/ so sessions survive restarts of the embedded server."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = _env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when STATION_MODE=production")

SECRET_KEY = (
    _required("DJANGO_SECRET_KEY")
    if PRODUCTION
    else os.environ.get("DJANGO_SECRET_KEY") or _embedded_secret_key()
)

ALLOWED_HOSTS = _env_list(
    "DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when STATION_MODE=production")
CSRF_TRUSTED_ORIGINS = _env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "ledger.apps.LedgerConfig",
    "trading.apps.TradingConfig",
    "bidding.apps.BiddingConfig",
    # The procedures, one app each (docs/architecture.md): they register themselves.
    "trading.procedures.inquiry.apps.InquiryConfig",
    "trading.procedures.tender.apps.TenderConfig",
    "trading.procedures.asset_sale.apps.AssetSaleConfig",
    "api.apps.ApiConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "trading.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trading.middleware.ChineseFirstLocaleMiddleware",
    "trading.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                "django.template.context_processors.i18n",
                "trading.context_processors.station_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set when STATION_MODE=production")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # IMMEDIATE: a writer takes the lock at BEGIN, so concurrent writers queue
            # (up to `timeout` seconds) instead of failing on a lock upgrade.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
            # Tests use a file, not shared-cache memory, so that concurrent-transition
            # tests see real SQLite locking.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "trading.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Repeated failed logins (docs/accounts.md, "Repeated failures"), counted within the window:
# LOGIN_FAILURE_LIMIT for one user name from one address lock that pair only (never the
# owner elsewhere); LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, any user names, lock
# that address (password spraying); past LOGIN_FAILURE_LIMIT_PER_ACCOUNT for one user name
# from all addresses, addresses it has not logged in from within LOGIN_FAMILIAR_ADDRESS_DAYS
# wait between tries (doubling, at most LOGIN_SLOWDOWN_MAX_SECONDS).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "20"))
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "30"))
LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
LOGIN_SLOWDOWN_MAX_SECONDS = int(os.environ.get("LOGIN_SLOWDOWN_MAX_SECONDS", "60"))
LOGIN_FAMILIAR_ADDRESS_DAYS = int(os.environ.get("LOGIN_FAMILIAR_ADDRESS_DAYS", "90"))
for _name in ("LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_LIMIT_PER_ADDRESS", "LOGIN_FAILURE_LIMIT_PER_ACCOUNT",
              "LOGIN_FAILURE_WINDOW_MINUTES", "LOGIN_SLOWDOWN_MAX_SECONDS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
# The client's address is REMOTE_ADDR, unless the peer is one of these reverse proxies
# (addresses or networks): then the right-most X-Forwarded-For entry that is not a trusted
# proxy. Empty: X-Forwarded-For is never read, so a client cannot choose its address.
# Behind a proxy (DJANGO_BEHIND_PROXY) on the same machine, loopback is trusted by default.
TRUSTED_PROXIES = _env_list(
    "DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1" if _env_bool("DJANGO_BEHIND_PROXY", False) else ""
)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an address or a network") from None

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles")) if PRODUCTION else None
# Production serves collected files (collectstatic); the embedded mode serves them from
# the apps' folders directly, with or without DEBUG.
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Ledger (LEDGER.md) -----------------------------------------------------------------
LEDGER_ORIGIN = os.environ.get(
    "LEDGER_ORIGIN", _required("LEDGER_ORIGIN") if PRODUCTION else "trading.localhost/ledger"
)
# The private signing key lives in a file outside the database (LEDGER.md section 5).
LEDGER_SIGNING_KEY_FILE = Path(
    os.environ.get("LEDGER_SIGNING_KEY_FILE")
    or (_required("LEDGER_SIGNING_KEY_FILE") if PRODUCTION else VAR_DIR / "keys" / "ledger.key")
)
# Entries recorded in one batch of the sequencer, and the least time between two
# checkpoints while entries keep arriving (docs/ledger.md, "Sequencing").
LEDGER_SEQUENCE_BATCH = int(os.environ.get("LEDGER_SEQUENCE_BATCH", "2000"))
LEDGER_CHECKPOINT_MIN_INTERVAL = float(
    os.environ.get("LEDGER_CHECKPOINT_MIN_INTERVAL", "0.25" if PRODUCTION else "0")
)
# Only benchmarks may switch recording off, to measure what the ledger costs.
LEDGER_ALLOW_RECORDING_OFF = _env_bool("LEDGER_ALLOW_RECORDING_OFF", False)

# --- Procedure clock ---------------------------------------------------------------------
# Sandbox acceleration for demos (docs/clock.md): new transactions' procedure time runs
# this many times faster than real time, and their ledger entries say so. Refused in
# production: deadlines there are real.
SANDBOX_TIME_FACTOR = int(os.environ.get("SANDBOX_TIME_FACTOR", "1"))
if SANDBOX_TIME_FACTOR < 1:
    raise ImproperlyConfigured("SANDBOX_TIME_FACTOR must be a whole number >= 1")
if PRODUCTION and SANDBOX_TIME_FACTOR != 1:
    raise ImproperlyConfigured("SANDBOX_TIME_FACTOR (sandbox acceleration) is refused when STATION_MODE=production")

# --- Sealed bids (docs/sealed-bids.md) ------------------------------------------------------
# scrypt cost of NEW custodian keys, as log2 N (r = 8, p = 1): 17 is OWASP's guidance
# (128 MiB, about half a second per key, on the server when it is set and on the
# custodian's side at each opening). Keys already set keep the cost they were made with.
try:
    CUSTODIAN_SCRYPT_LOG2_N = int(os.environ.get("CUSTODIAN_SCRYPT_LOG2_N", "17"))
except ValueError:
    raise ImproperlyConfigured("CUSTODIAN_SCRYPT_LOG2_N must be a whole number from 14 to 20") from None
if not 14 <= CUSTODIAN_SCRYPT_LOG2_N <= 20:
    raise ImproperlyConfigured("CUSTODIAN_SCRYPT_LOG2_N must be a whole number from 14 to 20")

# --- Tasks (Celery) -----------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    _required("CELERY_BROKER_URL") if PRODUCTION else None
)
# Without a broker (embedded mode) tasks run in-process, right where they are called.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still take a producer from the pool: name the in-memory broker's host,
    # or kombu warns "No hostname was supplied" on the first task.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# Two queues: "celery" for what must never wait (the ledger's sequencer, the procedures'
# clock, draws) and "messages" for notifications and e-mail, so that a burst of messages
# (one per stage change) cannot delay a deadline's closing. A worker without -Q takes both;
# production runs one worker per queue (docs/deploy.md, "Processes").
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), Queue("messages")]
CELERY_TASK_ROUTES = {
    "trading.deliver_message": {"queue": "messages"},
    "trading.notify_waiting": {"queue": "messages"},
}
CELERY_BEAT_SCHEDULE = {
    # Safety net behind the on-commit kicks: entries sequenced, checkpoint signed.
    "ledger-sequence": {"task": "ledger.sequence", "schedule": 1.0},
    # The procedures' clock: deadlines pass on time even when nobody clicks.
    "trading-tick": {"task": "trading.tick", "schedule": 1.0},
    # Draws whose seed checkpoint has been signed.
    "bidding-draws": {"task": "bidding.perform_draws", "schedule": 1.0},
}
# The same jobs for the embedded mode's in-process scheduler (trading/scheduler.py).
PERIODIC_JOBS = [
    "bidding.services.draws.draws_perform_due",
    "trading.services.ticks.tick",
    "ledger.sequencer.ledger_run_sequencer",
]
# Embedded mode: the in-process scheduler (`manage.py run_embedded`) runs the same
# periodic jobs every EMBEDDED_TICK_SECONDS.
EMBEDDED_TICK_SECONDS = float(os.environ.get("EMBEDDED_TICK_SECONDS", "1"))

# --- Messages: e-mail and SMS (docs/notifications.md) -----------------------------------
# Where links in messages point.
STATION_SITE_URL = os.environ.get("STATION_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not STATION_SITE_URL:
    raise ImproperlyConfigured("STATION_SITE_URL must be set when STATION_MODE=production (links in e-mails)")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "station@localhost")
if PRODUCTION:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    # The embedded mode prints e-mails on the server's console (`make run`'s terminal).
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A dotted path to a class with send(user, text), or empty: no SMS.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "")

# Live pages (the online auction, docs/deploy.md "Live pages"): how often an event stream
# reads the auction's version when the change happened in another process, and how long
# one stream lasts before the browser reconnects.
LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "0.1"))
LIVE_STREAM_SECONDS = float(os.environ.get("LIVE_STREAM_SECONDS", "600"))

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
# API tokens (docs/api.md, "Authentication") are valid this many hours after they are
# issued; logging out (page or API) deletes them before that.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_HOURS must be at least 1")
SPECTACULAR_SETTINGS = {
    "TITLE": "Township trading station API",
    "DESCRIPTION": "REST API of the township public-resource trading station platform.",
    "VERSION": "1",
    # 3.1: a response's schema is plain JSON Schema (2020-12), which tests/api/test_schema_answers.py
    # checks every real answer against.
    "OAS_VERSION": "3.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "DocumentPurposeEnum": "trading.models.documents.DocumentPurpose",
        "DrawPurposeEnum": "bidding.models.draws.DrawPurpose",
        # Three procedures' fields named "method": one schema name each.
        "TenderEvaluationMethodEnum": "trading.procedures.tender.records.EvaluationMethod",
        "TenderSecurityMethodEnum": "trading.procedures.tender.records.SecurityMethod",
        "AssetSaleCompetitionMethodEnum": "trading.procedures.asset_sale.records.CompetitionMethod",
    },
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("DJANGO_HSTS_PRELOAD", True)
    if _env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /ledger/* is fetched by verifiers over plain HTTP inside trusted networks too.
    SECURE_REDIRECT_EXEMPT = [r"^ledger/"] if _env_bool("LEDGER_ALLOW_HTTP", False) else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # In embedded mode every on-commit kick runs a task in-process: not news.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # Every request is in the access log with its status (config/asgi.py,
        # config/gunicorn.conf.py): Django's own line for each 4xx would only repeat it.
        # Server errors (5xx) are still logged here, with their traceback.
        "django.request": {"level": "ERROR"},
    },
}
