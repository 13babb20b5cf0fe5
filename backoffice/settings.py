"""Backoffice settings: one module, driven by environment variables.

Unset, every service falls back to an embedded default (SQLite, local-memory cache, tasks run
in-process, files on local disk) so the product runs with one command. Set, it uses the
production services. The README's configuration table lists every variable.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from csp.constants import UNSAFE_EVAL as CSP_UNSAFE_EVAL
from csp.constants import UNSAFE_INLINE as CSP_UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- mode -----------------------------------------------------------------------------------

DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")

DEBUG = env.bool("DJANGO_DEBUG", default=not DATABASE_URL)
# Production mode: a real database and no debug pages. Demo seeding refuses to run in it.
PRODUCTION_MODE = bool(DATABASE_URL) and not DEBUG
ENVIRONMENT_NAME = env.str(
    "BACKOFFICE_ENVIRONMENT", default="Production" if PRODUCTION_MODE else "Demo"
)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-with-a-real-database"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if DATABASE_URL:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. It is required whenever DATABASE_URL is set: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# The loopback names always: a container's own health check asks for 127.0.0.1, and only the
# machine itself reaches the site under them.
ALLOWED_HOSTS = [
    *env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION_MODE else LOCAL_HOSTS),
    *LOCAL_HOSTS,
]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    # Unfold and its contrib apps go before django.contrib.admin so their templates win.
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "axes",
    "corsheaders",
    "easy_thumbnails",
    "csp",
    "ninja",  # the API docs from its own static files, not a CDN
    "backoffice.apps.BackofficeConfig",
    "inventory",
    "sales",
    "reporting",
    "imports",
    "integrations",
]

MIDDLEWARE = [
    # First: a NUL character in an address, a query or a text body is refused before anything
    # reads it (backoffice/middleware.py).
    "backoffice.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks; it answers the API's preflights.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Listed here, not only found as an app folder, so it overrides Unfold's admin templates.
        "DIRS": [BASE_DIR / "backoffice" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------

if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))),
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait instead of
            # failing with "database is locked" halfway through a transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- cache and Celery -----------------------------------------------------------------------


def redis_url_with_db(url: str, offset: int) -> str:
    """The same Redis server, `offset` database numbers above the one `url` names."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + offset}"))


def redis_caches(location: str) -> dict:
    """The caches on one Redis. `default` is a speed-up: when Redis is unreachable its reads
    miss and its writes are dropped, so pages and the API degrade instead of failing. `limits`
    (the API's rate limits) raises instead, so the limits can fail open or closed as
    `API_LIMITS_FAIL_OPEN` says."""
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "backoffice",
    }
    timeouts = {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}
    return {
        "default": {**redis, "OPTIONS": {**timeouts, "IGNORE_EXCEPTIONS": True}},
        "limits": {**redis, "OPTIONS": timeouts},
    }


if REDIS_URL:
    # The broker keeps REDIS_URL's database; the cache takes the next one.
    CACHES = redis_caches(env.str("REDIS_CACHE_URL", default=redis_url_with_db(REDIS_URL, 1)))
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "limits",
        },
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, so a worker that dies hands it to another one.
# Redis redelivers unacknowledged tasks after the visibility timeout: every task must finish
# well before it, or it would run twice while still running.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A Redis that does not answer is given up on in seconds: a request checks the queue first.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_SOFT_TIME_LIMIT = 1740
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_TRACK_STARTED = True
# A report run or an import whose worker has been silent this long is abandoned: the stale
# check fails it (or sends a queued report again), and a redelivered task takes it over.
WORKER_STALE_MINUTES = env.int("WORKER_STALE_MINUTES", default=10)
STALE_CHECK_SECONDS = max(30.0, min(300.0, WORKER_STALE_MINUTES * 30.0))  # twice per interval
CELERY_BEAT_SCHEDULE: dict = {
    "report-schedules": {
        "task": "reporting.tasks.report_schedules_dispatch_task",
        "schedule": 300.0,
    },
    "report-runs-stale": {
        "task": "reporting.tasks.report_runs_fail_stale_task",
        "schedule": STALE_CHECK_SECONDS,
    },
    "imports-stale": {
        "task": "imports.tasks.imports_fail_stale_task",
        "schedule": STALE_CHECK_SECONDS,
    },
    "webhooks-dispatch": {
        "task": "integrations.tasks.webhooks_dispatch_task",
        "schedule": 10.0,
    },
    "webhooks-retry-due": {
        "task": "integrations.tasks.webhooks_retry_due_task",
        "schedule": 60.0,
    },
    "webhooks-prune": {
        "task": "integrations.tasks.webhooks_prune_task",
        "schedule": crontab(hour=3, minute=45),
    },
    "sales-rollups-rebuild": {
        "task": "reporting.tasks.daily_sales_rebuild_task",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- files ----------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "local":
    DEFAULT_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    _s3_options = {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "endpoint_url": AWS_S3_ENDPOINT_URL,
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "default_acl": None,
        "file_overwrite": False,
        # Downloads are short-lived presigned links, never public objects; signed with
        # Signature Version 4 (botocore may presign with version 2, which S3 refuses for
        # buckets made since 2020).
        "querystring_auth": True,
        "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
        "signature_version": "s3v4",
    }
    if AWS_S3_ENDPOINT_URL:
        # S3-compatible servers other than AWS reject the checksum headers of boto3 >= 1.36.
        from botocore.config import Config

        # A client_config replaces django-storages' own, so it names the signature too.
        _s3_options["client_config"] = Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            signature_version="s3v4",
        )
    DEFAULT_STORAGE = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- payments -------------------------------------------------------------------------------

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_ENABLED = bool(STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Where Stripe's hosted payment page sends the customer back to (the storefront's pages).
STRIPE_SUCCESS_URL = env.str("STRIPE_SUCCESS_URL", default="http://127.0.0.1:8000/payment/thanks")
STRIPE_CANCEL_URL = env.str("STRIPE_CANCEL_URL", default="http://127.0.0.1:8000/payment/cancelled")

STORE_CURRENCY = env.str("STORE_CURRENCY", default="EUR")

# Imports: the largest file accepted, and the row count above which preview and apply run on
# a worker (with a progress bar) instead of in the request.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=50)
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=1000)
# The most rows one import takes (other limits, fixed, are in imports/limits.py).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=1_000_000)
# Imported images are copied from their source URLs into the storage by workers: how long a
# fetch may take, how often a failed one is tried again, and whether addresses inside private
# networks may be fetched (never, in production: a file could point the worker at them).
IMPORT_IMAGE_TIMEOUT_SECONDS = env.float("IMPORT_IMAGE_TIMEOUT_SECONDS", default=20)
IMPORT_IMAGE_RETRIES = env.int("IMPORT_IMAGE_RETRIES", default=4)
IMPORT_IMAGE_RETRY_SECONDS = env.int("IMPORT_IMAGE_RETRY_SECONDS", default=60)
IMPORT_IMAGE_PRIVATE_HOSTS = env.bool("IMPORT_IMAGE_PRIVATE_HOSTS", default=False)
# Whether an apply queues its image copies. Without workers (the embedded mode) they would run
# inside the request, fetching hundreds of images: there, `manage.py copy_imported_images`
# copies them instead.
IMPORT_IMAGE_COPY_AFTER_APPLY = env.bool("IMPORT_IMAGE_COPY_AFTER_APPLY", default=bool(REDIS_URL))
# Renditions of every stored product image (inventory.renditions), made by easy-thumbnails:
# a square thumbnail for the admin's lists, a medium and a large size for storefronts. Never
# scaled up; WebP (with transparency where the source has it).
IMAGE_RENDITIONS: dict[str, dict[str, object]] = {
    "thumbnail": {"size": (160, 160), "crop": True},
    "medium": {"size": (800, 800)},
    "large": {"size": (1600, 1600)},
}
THUMBNAIL_EXTENSION = "webp"
THUMBNAIL_TRANSPARENCY_EXTENSION = "webp"
THUMBNAIL_QUALITY = 85
# Whether catalog prices include tax (as shops selling to consumers in Europe usually show
# them) or have it added on top. Each order keeps the choice it was priced with.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
# Series of the gapless document numbers: INV-2026-000001, CN-2026-000001; orders SO-2026-….
INVOICE_SERIES = env.str("INVOICE_SERIES", default="INV")
CREDIT_NOTE_SERIES = env.str("CREDIT_NOTE_SERIES", default="CN")
ORDER_SERIES = env.str("ORDER_SERIES", default="SO")
# Invoices and credit notes get their PDF (the document of record) as soon as they are issued;
# off, each gets it at its first download (the demo seeding turns it off to stay quick).
DOCUMENT_PDFS_AT_ISSUE = True

# --- storefront API -------------------------------------------------------------------------

# Requests each API key may make (number/s, /m, /h or /d), and failed authentications one
# client address may make (a wrong key, guessed or stale), counted atomically in the cache.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/m")
API_AUTH_FAILURE_LIMIT = env.str("API_AUTH_FAILURE_LIMIT", default="20/m")
# When the cache (Redis) is unreachable, the limits cannot count: on, the API answers without
# them (a storefront keeps selling); off, it answers 503 until the cache is back.
API_LIMITS_FAIL_OPEN = env.bool("API_LIMITS_FAIL_OPEN", default=True)
API_MAX_PAGE_SIZE = 200

# Webhooks to storefronts (integrations/webhooks/). An address that resolves to a loopback,
# private, link-local or reserved network is refused, so an endpoint cannot make the back
# office call inside its own network; tests (and a storefront on the same private network)
# allow them with WEBHOOK_ALLOW_PRIVATE_TARGETS.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Failed attempts in a row (across messages) after which an endpoint is disabled, and its
# channel's owner told by e-mail.
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=30)
# Days the delivery log keeps a delivered or failed message.
WEBHOOK_LOG_DAYS = env.int("WEBHOOK_LOG_DAYS", default=30)
# Browser access: only the API, only from origins a channel lists (integrations/cors.py).
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_HEADERS = [
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "if-modified-since",
]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]

# The address people reach the back office at, for links in emails (scheduled reports).
BACKOFFICE_BASE_URL = env.str("BACKOFFICE_BASE_URL", default="http://127.0.0.1:8000")
# Where storefronts fetch product pictures: a CDN or a bucket's public address in front of the
# storage (e.g. https://cdn.example.com/media/). Empty: the back office's own /media/ view.
MEDIA_PUBLIC_URL = env.str("MEDIA_PUBLIC_URL", default="")

# --- email ----------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="backoffice@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- security -------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Behind a load balancer that terminates TLS and sets X-Forwarded-Proto.
# Content-Security-Policy on every page (django-csp): scripts and styles only from the site
# itself, no plugins, no framing, forms posted only here. Two allowances, for what the admin
# runs on: Unfold's Alpine.js evaluates its `x-data` expressions (unsafe-eval; no inline
# <script> runs), and Unfold and Alpine set style attributes. Pictures may come from any
# HTTPS host: an imported product's pictures stay at their source until copied, and files on
# S3 are links to the bucket.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_UNSAFE_EVAL],
        "style-src": [CSP_SELF, CSP_UNSAFE_INLINE],
        "img-src": [CSP_SELF, "data:", "blob:", "https:"],
        "font-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "worker-src": [CSP_SELF, "blob:"],  # ReDoc searches in a worker it makes from a blob
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
if "DJANGO_SECURE_SSL_REDIRECT" in os.environ and not SECURE_SSL_REDIRECT:
    # Turned off on purpose (plain HTTP on localhost, or a proxy that redirects itself): the
    # deploy check's warning about it is the operator's decision, not an oversight.
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True

# Login lockout: after AXES_FAILURE_LIMIT failures for one username from one address, that
# pair is locked for AXES_COOLOFF_TIME hours (an Owner can unlock it sooner in the admin).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # registered in the Unfold style by backoffice/admin.py
AXES_LOCKOUT_CALLABLE = "backoffice.views.lockout_response"
# Number of trusted proxies in front of the web processes: the client's address is then the
# one the outermost proxy saw, read from X-Forwarded-For (backoffice.clients). Without one,
# X-Forwarded-For is ignored: a client could otherwise dodge the lockout by sending a new
# address each time.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION_MODE else 0)
AXES_CLIENT_IP_CALLABLE = "backoffice.clients.client_address"

# --- logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- admin ----------------------------------------------------------------------------------

UNFOLD = {
    "SITE_TITLE": "Backoffice",
    "SITE_HEADER": "Backoffice",
    "SITE_SUBHEADER": "Independent commerce",
    "SITE_URL": None,
    "SITE_SYMBOL": "storefront",
    "SHOW_VIEW_ON_SITE": False,
    "ENVIRONMENT": "backoffice.admin_site.environment_badge",
    "DASHBOARD_CALLBACK": "backoffice.admin_site.dashboard",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "backoffice.admin_site.sidebar_navigation",
    },
}
