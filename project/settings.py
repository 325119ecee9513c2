"""Settings, all from the environment. A bad value stops the process at start-up, not later."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Generate one with "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'` and export it; "
        "`python3 dev.py serve` does this for you in development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claims",
    # The task engine: Django's own task API, its database backend (docs/FEED.md).
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First, so that every answer (a 413, a 429, a 304) carries the CORS headers a browser needs
    # to read it, and a preflight is answered before anything asks for a token.
    "corsheaders.middleware.CorsMiddleware",
    # Next, so that every API answer, an early refusal too, says it varies with the token.
    "claims.platform.middleware.CachingHeadersMiddleware",
    "claims.platform.middleware.RequestLimitsMiddleware",
    "claims.platform.middleware.TrailingSlashMiddleware",
    "claims.platform.middleware.AddressRateLimitMiddleware",
    "claims.platform.middleware.LoginRateLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
            ],
        },
    },
]

# Without DATABASE_URL the service runs on an SQLite file inside the project, so the quickstart
# needs no server. PostgreSQL is the production database.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of
    # both reading a version and one failing with "database is locked" at its first write.
    _db["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20, **_db.get("OPTIONS", {})}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A statement running past the timeout is cancelled and its request answered 503, so one slow
    # query or lock wait cannot hold a worker for ever. manage.py turns it off (0) for commands
    # such as migrate, which may legitimately run long.
    #
    # Parameters are bound on the server, and a statement is prepared at its sixth run on a
    # connection (psycopg's prepare_threshold: five runs unprepared first), so the token check and
    # a page's evidence and corrections skip parsing, and once PostgreSQL finds a generic plan no
    # dearer, planning too. A filtered list's statements are never prepared, so each is planned
    # for its own values (claims/platform/db/statements.py says why).
    # DATABASE_PREPARED_STATEMENTS=off for a pooler that cannot carry prepared statements
    # (PgBouncer in transaction mode before 1.21).
    from claims.platform.db.statements import PlanningCursor

    # Django's backend, with a health check of kept connections that needs no round trip while
    # the server has sent nothing (claims/platform/db/postgresql/base.py).
    _db["ENGINE"] = "claims.platform.db.postgresql"

    _prepared = env_bool("DATABASE_PREPARED_STATEMENTS", True)
    _db["OPTIONS"] = {
        "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5),
        "options": f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000)}",
        "server_side_binding": _prepared,
        "prepare_threshold": 5 if _prepared else None,
        **({"cursor_factory": PlanningCursor} if _prepared else {}),
        **_db.get("OPTIONS", {}),
    }
else:
    raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL or SQLite, not {_db['ENGINE']}.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS. Off in development; in production, behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the header the proxy sets; never trust it from
# clients directly) and leave SECURE_SSL_REDIRECT on, so plain-HTTP requests are redirected.
HTTPS = env_bool("HTTPS", default=not DEBUG and bool(os.environ.get("SECURE_PROXY_SSL_HEADER")))
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
# Health checks come from the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment browsers keep for months: the operator opts in, knowingly.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"

# Messages (the admin shows a new token's plaintext once) live in the session, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The contract's request limit: bodies over 2 MiB are refused with 413
# (claims.platform.middleware), so the longest article body fits even with every character
# JSON-escaped; Django's own limit is the same.
MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# A path without its trailing slash is served as the path with it (TrailingSlashMiddleware):
# never redirected, so no client loses a write by following a redirect.
APPEND_SLASH = False

# CORS: browsers on the listed origins may read the API (comma-separated, e.g.
# https://partner.example). `*` lets any origin read the public, token-free endpoints only
# (claims/platform/cors.py); the token holders' API needs its origins listed.
CORS_ALLOWED_ORIGINS_SETTING = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_ALLOWED_ORIGINS = [origin for origin in CORS_ALLOWED_ORIGINS_SETTING if origin != "*"]
CORS_PUBLIC_ANY_ORIGIN = "*" in CORS_ALLOWED_ORIGINS_SETTING
CORS_URLS_REGEX = r"^/(api|v1alpha1|articles|claims)(/|$)"
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "if-match", "if-none-match")
CORS_EXPOSE_HEADERS = (
    "etag", "location", "retry-after", "link", "www-authenticate",
    "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset",
)  # fmt: skip
CORS_PREFLIGHT_MAX_AGE = 3600

# Rate limits: "<count>/<second|minute|hour>" or "off". Counted in the database unless REDIS_URL
# is set (claims.platform.ratelimit); behind proxies, say how many so the client address is found.
RATE_LIMIT_TOKEN = os.environ.get("RATE_LIMIT_TOKEN", "1200/minute")
RATE_LIMIT_ADDRESS = os.environ.get("RATE_LIMIT_ADDRESS", "2400/minute")
RATE_LIMIT_PROXY_COUNT = env_int("RATE_LIMIT_PROXY_COUNT", 0)
# Hits a worker claims from the counter store at once while a key is under half its quota; 1
# counts every request in the store.
RATE_LIMIT_BATCH = env_int("RATE_LIMIT_BATCH", 10)
if RATE_LIMIT_BATCH < 1:
    raise ImproperlyConfigured(f"RATE_LIMIT_BATCH={RATE_LIMIT_BATCH} must be 1 or more.")
# Admin login attempts, per address and per username.
RATE_LIMIT_LOGIN = os.environ.get("RATE_LIMIT_LOGIN", "10/minute")
LOGIN_RATE_LIMITED_PATH = "/admin/login/"
REDIS_URL = os.environ.get("REDIS_URL") or None

# Whether `migrate` creates the RUM indexes that read a search's page in id order (PostgreSQL with
# the extension). Off by default: released RUM builds mishandle posting lists a VACUUM emptied
# (claims/migrations/0015_ordered_text_indexes.py says which build is safe).
SEARCH_ORDERED_INDEXES = env_bool("SEARCH_ORDERED_INDEXES", False)

# The fact-checking organisation named as the `author` of every ClaimReview this desk publishes
# (the reader pages, `/api/v1/.../claimreview/`) and as the publisher in claims:search answers.
# Without PUBLISHER_URL, the site's own root, as the request reached it, stands for it.
PUBLISHER_NAME = os.environ.get("PUBLISHER_NAME", "").strip() or "Claim tracker"
PUBLISHER_URL = os.environ.get("PUBLISHER_URL", "").strip()
if PUBLISHER_URL and not PUBLISHER_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"PUBLISHER_URL={PUBLISHER_URL!r} is not an http(s) URL.")

# Tokens expire; `create_token --days N` overrides this per token.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 365)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["claims.accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["claims.accounts.permissions.ReadOnlyForClientsWritesForEditors"],
    "DEFAULT_RENDERER_CLASSES": ["claims.platform.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["claims.platform.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.platform.problems.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["claims.platform.ratelimit.TokenRateThrottle"],
    "UNAUTHENTICATED_USER": None,
    # `?format=` is not a parameter of this API: unknown parameters are ignored, so it is too.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claim tracker API",
    "DESCRIPTION": "Claims anchored in newspaper columns, with their fact-check status and verdicts.",
    "VERSION": "1.0.0",
    # Relative: the API is served by the host that serves this schema, whichever it is (`.ci/fuzz`
    # reads the schema from the server it tests). The paths carry the /api/v1/ prefix.
    "SERVERS": [{"url": "/", "description": "The host serving this schema."}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "RatingEnum": "claims.models.Rating",
        "ChangeTypeEnum": "claims.models.ChangeType",
    },
    # Errors are application/problem+json, with WWW-Authenticate and Retry-After where they apply.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claims.platform.schema.postprocess_schema",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Background work (webhook deliveries) goes through Django's task API on its database backend:
# a task is a row written in the transaction that enqueues it, and `python manage.py worker`
# runs them (docs/FEED.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Webhooks to loopback, private or link-local addresses, and over plain http: for development
# and tests only (a receiver on this machine).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
# How long a worker holds a subscription it delivers for; a killed worker's is taken over after it.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 30)
