"""The one settings module. Everything comes from the environment with safe local defaults.

Unset variables give a laptop setup: SQLite in var/, an in-memory channel layer, a Celery broker
on the filesystem, and the local chain that `manage.py devchain` describes in var/devchain.json.
"""

import json
import os
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from marketplace.env import (
    env_address,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    env_url,
)
from marketplace.secret_key import secret_key_default

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: a deployment that forgets it must not show tracebacks (`make run` and
# the tests turn it on).
DEBUG = env_bool("DEBUG", False)
# Unset: a random key of this installation, made once in VAR_DIR (never a key anyone knows).
SECRET_KEY = env_str("SECRET_KEY") or secret_key_default(var_dir=VAR_DIR)
# The names a local process answers to; ALLOWED_HOSTS naming any other host means a deployment.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "testserver")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", list(LOOPBACK_HOSTS))
# Error reports (DEBUG pages, mailed reports) never show the credentials in *_URL settings.
DEFAULT_EXCEPTION_REPORTER = "marketplace.error_reports.MaskingExceptionReporter"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "channels",
    "marketplace",
    "orderbook",
    "dappstore",
    "django_ratelimit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marketplace.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.index_headers.IndexHeadersMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
ASGI_APPLICATION = "marketplace.asgi.application"
WSGI_APPLICATION = None

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
                "marketplace.web.context.site",
            ],
        },
    },
]

DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'marketplace.sqlite3'}",
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the indexer writes; the timeout makes writers queue.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not pytest's in-memory default, so that indexer processes started by tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # A kept connection is checked before each request: after a PostgreSQL restart the first
    # request reconnects instead of failing on the dead connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A socket's queue holds a burst of events (a batch near the head may announce
            # hundreds of orders); the default 100 dropped some for a page still rendering.
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # Live events cross processes through the LiveEvent table (see the layer's docstring).
    CHANNEL_LAYERS = {"default": {"BACKEND": "marketplace.live.table_layer.TableChannelLayer"}}
    # A broker that needs no server and still crosses processes: message files under var/.
    _broker_dir = VAR_DIR / "celery-broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        # kombu's default is ./control, in whatever directory the worker was started from
        "control_folder": str(_broker_dir / "control"),
    }
# The rate limiters' counters (marketplace/ratelimit.py) live in the cache: Redis when set, so
# that limits hold across processes and hosts; else files in var/, shared by local processes.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "poco-market",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True

# --- Production security (`manage.py check --deploy` passes with DEBUG off, see README) -------
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https, so that
# Django sees https.
_proxy_ssl = env_list("SECURE_PROXY_SSL_HEADER", [])
if _proxy_ssl and len(_proxy_ssl) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be HEADER,VALUE")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl) or None
# The client's address (rate limits, logs, websockets) from X-Forwarded-For, read from the right
# past this many proxies of ours, or past every address in TRUSTED_PROXIES
# (marketplace/client_address.py). 0 and none: the header is ignored, clients cannot forge it.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list addresses or networks, got {_proxy!r}"
        ) from None
# Transport security comes on with a deployment: DEBUG off and a host other than the loopback
# names. A bare `runserver 127.0.0.1:PORT` with DEBUG off stays usable over plain http (an
# HTTPS redirect and Secure cookies would make a local server unreachable or sign-in-less).
_deployed = not DEBUG and any(host not in LOOPBACK_HOSTS for host in ALLOWED_HOSTS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _deployed)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _deployed else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _deployed)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _deployed)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", _deployed)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
X_FRAME_OPTIONS = "DENY"
# Bodies are orders and unpublish requests (a few KB; params at most 64 KiB): anything much
# larger is refused with a 413 before it is read (marketplace/body_limit.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 256 * 1024, minimum=1024)
# Multipart forms carry the store's logos (at most 256 KB each, checked with a clear message):
# their bodies may be larger, up to this.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 1024 * 1024, minimum=1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "marketplace.static_storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "marketplace.api.errors.exception_handler",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PoCo Market read API",
    "DESCRIPTION": "What the indexer has read from the iExec PoCo contracts. Amounts are nRLC.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- The chain -----------------------------------------------------------------------------
# Without CHAIN_RPC_URL the project reads the local chain that `manage.py devchain` describes.
DEVCHAIN_FILE = Path(env_str("DEVCHAIN_FILE", str(VAR_DIR / "devchain.json")))
_devchain = json.loads(DEVCHAIN_FILE.read_text()) if DEVCHAIN_FILE.exists() else {}
CHAIN_RPC_URL = env_url(
    "CHAIN_RPC_URL", _devchain.get("rpc_url", "http://127.0.0.1:8545"), schemes=("http", "https")
)
HUB_ADDRESS = env_address("HUB_ADDRESS", _devchain.get("hub"))
CHAIN_START_BLOCK = env_int("CHAIN_START_BLOCK", _devchain.get("start_block", 0))
CHAIN_CONFIRMATIONS = env_int("CHAIN_CONFIRMATIONS", 0)
INDEXER_BATCH_BLOCKS = env_int("INDEXER_BATCH_BLOCKS", 2000, minimum=1)
# A new block reaches open pages within about this pause plus one batch (eth_blockNumber is cheap).
INDEXER_POLL_SECONDS = env_float("INDEXER_POLL_SECONDS", 0.2)
CHAIN_RPC_TIMEOUT = env_int("CHAIN_RPC_TIMEOUT", 30, minimum=1)
# Public providers cap batches and rates (README, "Public providers"); the rate is per process.
CHAIN_RPC_MAX_BATCH = env_int("CHAIN_RPC_MAX_BATCH", 200, minimum=1)
CHAIN_RPC_MAX_RPS = env_float("CHAIN_RPC_MAX_RPS", 0.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# Until collectstatic has run, whitenoise serves the files where they are (static_storage.py).
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

# --- The orderbook ---------------------------------------------------------------------------
# The index stands in for the chain in publication checks while its cursor moved this recently.
INDEX_FRESH_SECONDS = env_int("INDEX_FRESH_SECONDS", 10, minimum=0)
ORDERBOOK_MAX_OPEN_PER_SIGNER = env_int("ORDERBOOK_MAX_OPEN_PER_SIGNER", 50, minimum=1)
# Called by the indexer inside each batch's transaction (see marketplace/indexer/hooks.py).
INDEXER_HOOKS = [
    "orderbook.follow.orders_follow_chain",
    "marketplace.live.chain.chain_announce",
    "dappstore.services.store_follow_chain",
]
MARKET_API_VERSION = "7.1.2-poco-market"

# The market API is public: any origin may call it (the SDK runs in browsers); the pages are not.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = (
    r"^/(version|metrics|challenge|categories|deals|ohlc"
    r"|(app|dataset|workerpool|request)orders)(/.*)?$"
)
CORS_ALLOW_HEADERS = ["authorization", "content-type"]
CORS_EXPOSE_HEADERS = ["Retry-After", "X-Index-Block", "X-Index-Head", "X-Index-Lag",
                       "X-Index-Age", "X-Index-Stale"]  # fmt: skip

# --- Index staleness (marketplace/selectors/status.py: API headers, /metrics, page banner) ---
# Stale when the indexer has not checked the node's head for this long, or is this far behind.
INDEX_STALE_SECONDS = env_int("INDEX_STALE_SECONDS", 30, minimum=1)
INDEX_STALE_BLOCKS = env_int("INDEX_STALE_BLOCKS", 10, minimum=0)

# --- Rate limits (marketplace/ratelimit.py), per client address: "<count>/<s|m|h|d>" ---------
RATE_LIMITS = {
    "publish": env_str("RATE_LIMIT_PUBLISH", "120/m"),  # POST and PUT of orders
    "challenge": env_str("RATE_LIMIT_CHALLENGE", "120/m"),  # GET /challenge
    "signin": env_str("RATE_LIMIT_SIGNIN", "10/m"),  # the pages' sign-in, the admin's login
    # What makes the server read the chain or build a transaction for the pages' wallet:
    # /tx/*, /store/deploy, /store/claim/message, /orders/prepare, /quote/request.
    "prepare": env_str("RATE_LIMIT_PREPARE", "60/m"),
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit predates Django's own RedisCache, whose INCR is atomic.
    "django_ratelimit.W001",
    # The embedded file cache increments without a lock: under bursts across processes a
    # limit may let a few more requests through. Production sets REDIS_URL.
    *([] if REDIS_URL else ["django_ratelimit.E003"]),
]

# --- Background jobs -------------------------------------------------------------------------
LIVE_EVENT_RETENTION_HOURS = env_int("LIVE_EVENT_RETENTION_HOURS", 24, minimum=1)
LIVE_MAX_SOCKETS_PER_CLIENT = env_int("LIVE_MAX_SOCKETS_PER_CLIENT", 50, minimum=1)
STORE_STATS_SECONDS = env_int("STORE_STATS_SECONDS", 30, minimum=1)
ORDERS_REVALIDATE_SECONDS = env_int("ORDERS_REVALIDATE_SECONDS", 60, minimum=1)
# A market API challenge must be used this soon after GET /challenge (the reference: 5 min).
CHALLENGE_TTL_SECONDS = env_int("CHALLENGE_TTL_SECONDS", 300, minimum=10)
CELERY_BEAT_SCHEDULE = {
    "revalidate-open-orders": {
        "task": "orderbook.revalidate_open_orders",
        "schedule": ORDERS_REVALIDATE_SECONDS,
    },
    "prune-live-events": {"task": "marketplace.prune_live_events", "schedule": 3600},
    # Unused challenges and sign-in sessions and nonces would otherwise pile up without bound.
    "prune-challenges": {"task": "orderbook.prune_challenges", "schedule": CHALLENGE_TTL_SECONDS},
    "prune-signin": {"task": "marketplace.prune_signin", "schedule": 3600},
    "store-stats": {"task": "dappstore.recompute_stats", "schedule": STORE_STATS_SECONDS},
    "store-ownership": {"task": "dappstore.recheck_ownership", "schedule": 600},
    "store-descriptions": {"task": "dappstore.render_descriptions", "schedule": 86400},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
