"""Summitry settings: one file, driven by the environment.

DATABASE_URL          unset = SQLite file db.sqlite3 in the project
DJANGO_SECRET_KEY     required when DJANGO_DEBUG is off
DJANGO_DEBUG          "1"/"true" turns debug on (default off)
DJANGO_ALLOWED_HOSTS  comma-separated host names
DJANGO_STATIC_COLLECTED  "1" serves collected, hashed, compressed static files
                      (default: on when DJANGO_DEBUG is off; `make run` turns it on)
DJANGO_HTTPS          "1" when served over TLS: HSTS, redirect to https, secure
                      cookies, and the proxy's X-Forwarded-Proto trusted
DJANGO_HSTS_SECONDS   HSTS max-age (default one year); DJANGO_HSTS_PRELOAD=0 opts out
                      of preloading
DJANGO_CSRF_TRUSTED_ORIGINS  comma-separated origins (https://summitry.example)
DJANGO_DB_CONNECT_TIMEOUT  seconds to wait for PostgreSQL to accept a connection (3)
DJANGO_DB_STATEMENT_TIMEOUT  milliseconds a statement may run (unset: no limit); set
                      for the web server, not for commands such as imports
DJANGO_LOGIN_FAILURE_LIMIT, DJANGO_LOGIN_COOLOFF_HOURS  login lockout (5 failures, 0.25 h)
DATABASE_REPLICA_URLS  comma-separated PostgreSQL replicas: reads go there, writes
                      (and a request's reads after writing) to DATABASE_URL
REDIS_URL             redis://host:6379/0: cache, throttles and sessions shared by
                      every app process (unset: per-process memory)
DJANGO_API_TOKEN_TTL_DAYS  days an API token works after it is issued (90; api.tokens)
DJANGO_TRUSTED_PROXIES  how many proxies in front of the app append to
                      X-Forwarded-For (default 0: the socket's address is the client's)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "visits",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.outage.DatabaseUnavailableMiddleware",
    "config.routers.PrimaryAfterWriteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.page_cache.PublishedPageCacheMiddleware",  # outside compression: gzip cached
    "visits.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "visits.citation_http.CitationLinkMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "visits.citation_http.context_processor",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
# Read replicas: reads go to them, writes and a request's reads after its first write
# to the primary (config.routers). In tests a replica mirrors the primary.
for _i, _url in enumerate(env_list("DATABASE_REPLICA_URLS", "")):
    DATABASES[f"replica{_i}"] = dj_database_url.parse(
        _url, conn_max_age=60, conn_health_checks=True
    )
    DATABASES[f"replica{_i}"]["TEST"] = {"MIRROR": "default"}
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT") or 0)
for _db in DATABASES.values():
    if _db["ENGINE"] != "django.db.backends.postgresql":
        continue
    # A database that is down fails fast; a statement that runs too long is cancelled
    # (set for web processes; commands such as imports run without it). 3 s, so that a
    # frozen server's 503 (a kept connection's 1 s health check, then a new one) is
    # under 5 s; config.outage hangs up on a server too frozen to cancel a statement.
    _options = _db.setdefault("OPTIONS", {})
    _options["connect_timeout"] = int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "3"))
    if DB_STATEMENT_TIMEOUT_MS:
        _options["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # locks out repeated failed logins
    "django.contrib.auth.backends.ModelBackend",
]
# Admin and session logins: after AXES_FAILURE_LIMIT failures for one username from
# one address, that pair is locked out for the cool-off (editors unlock in the admin).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.clients.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected (production, `make run` after collectstatic): hashed names, gzip and brotli
# copies, served by WhiteNoise with a year's immutable caching. Not collected (tests,
# a bare runserver): files straight from the finders, nothing to collect first.
STATIC_COLLECTED = env_flag("DJANGO_STATIC_COLLECTED", not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
WHITENOISE_AUTOREFRESH = not STATIC_COLLECTED
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "visits.staticstorage.CollectedStaticStorage"
            if STATIC_COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Every response: scripts only from our own static files (chart data is in
# json_script blocks, which are not run); styles may be inline because Plotly,
# Swagger UI and Redoc set them at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", True)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Request bodies read into memory (API JSON, form fields) stop here; over it the API
# answers 413 saying so (api.errors). Uploaded files are not counted: the admin
# import streams them to disk and refuses one over visits.admin_import.MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 2**20)  # Django's default, stated
HTTPS = env_flag("DJANGO_HTTPS")
if HTTPS:
    # TLS ends at a proxy that sets X-Forwarded-Proto; health checks come over plain HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # not preloading was chosen
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadAnyWriteWithModelPerms"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.SimplePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "api.throttles.SignedInRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("SUMMITRY_ANON_RATE", "600/minute"),
        "user": os.environ.get("SUMMITRY_USER_RATE", "3000/minute"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "PAGE_SIZE": 50,
    # Throttles key on the socket's address; X-Forwarded-For counts only behind this
    # many trusted proxies (None would trust whatever a client sends).
    "NUM_PROXIES": int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0")),
}

# API tokens (django-rest-knox): hashed, several per user, `Authorization: Token …`.
REST_KNOX = {"TOKEN_TTL": timedelta(days=float(os.environ.get("DJANGO_API_TOKEN_TTL_DAYS", "90")))}

SPECTACULAR_SETTINGS = {
    "TITLE": "Summitry API",
    "DESCRIPTION": (
        "High-level diplomatic visits and their comparison across leadership eras. "
        "Reads are public (published visits only); writes need a token or a session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "visits.filters.LEVEL_CHOICES"},
    "DEFAULT_GENERATOR_CLASS": "drf_spectacular.generators.SchemaGenerator",
    "PREPROCESSING_HOOKS": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}

CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# One shared cache for every app process when REDIS_URL is set: throttle counters,
# sessions and the figure cache hold across processes and hosts.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "summitry",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Without Redis the database holds the cache (its table made by migration
    # visits 0010), so several app processes still share throttle counts and figures.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "summitry_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # django-simple-history records every change

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The pair and scheme the home page features.
SUMMITRY_FEATURED = {"pair": ("CHN", "PRK"), "scheme": "china-paramount", "min_level": "minister"}
