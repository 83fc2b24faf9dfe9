"""Settings for the CLT back office, read from the environment.

One module for every environment (NetBox's habit): the differences between a laptop and a
production host are environment variables, listed with their defaults in docs/deployment.md.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; refuse anything ambiguous rather than guess."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    """Read a whole number; a typo (``EMAIL_PORT=58 7``) is refused with the variable's name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Without SECRET_KEY a development key is used so that management commands (migrate,
# makemigrations) work on a fresh checkout; serving with it while DEBUG is off is refused
# (clt/wsgi.py, clt/asgi.py) and `check --deploy` reports it as an error (clt/checks.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Old keys, comma-separated, still accepted after a rotation (sessions, and ballots sealed before it).
SECRET_KEY_FALLBACKS = [key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "clt",
    "properties",
    "leases",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the login is known: a signed-in person's chosen language wins over the browser's.
    "clt.i18n.UserLanguageMiddleware",
    "clt.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page (clt/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clt.urls"
WSGI_APPLICATION = "clt.wsgi.application"

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
                "clt.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Seconds a worker keeps its database connection between requests (0: one per request).
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests write at once (twenty voters casting, the map, an import). WAL lets readers go on
    # while one writer writes; IMMEDIATE takes the write lock when a transaction starts, so a transaction
    # that read first never has to upgrade to a writer (SQLite refuses that upgrade at once, whatever the
    # timeout: "database is locked"); the timeout is how long a writer waits for the lock, in seconds.
    # secure_delete: a deleted row is overwritten, so the file keeps no earlier order of the ballot box
    # (docs/ballot-secrecy.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django turns psycopg's prepared statements off; its cursors bind on the client and never prepare.
    # The one query that asks for it, every request's roles (clt/roles.py), is planned once per session
    # instead of at 2 ms a request. A connection pooler in transaction mode: PgBouncer 1.21 or later,
    # with max_prepared_statements set (docs/deployment.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: English is the source language, Spanish is complete (locale/, docs/i18n.md).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# US dates and numbers in both languages ("$157,000.00", "Dec. 7, 2026"): clt/locale_formats/.
FORMAT_MODULE_PATH = ["clt.locale_formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet comes from the installed django-leaflet package, never a CDN. Its app is not installed:
# its admin module needs GDAL, and we only want its static files.
# Found without importing it: importing django-leaflet costs every process (a `tally`) 50 ms.
_LEAFLET = importlib.util.find_spec("leaflet")
if _LEAFLET is None or _LEAFLET.origin is None:
    raise ImproperlyConfigured("django-leaflet is not installed: run `make install`")
STATICFILES_DIRS = [BASE_DIR / "static", Path(_LEAFLET.origin).resolve().parent / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files that jobs produce (exports, statement batches): a folder the web processes and the workers share,
# or any storage backend (an object store) when workers run on other machines (docs/jobs.md).
JOB_FILES_DIR = Path(os.environ.get("JOB_FILES_DIR") or BASE_DIR / "var" / "job-files")
STORAGES["jobs"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": JOB_FILES_DIR}}

# Long work runs as jobs (docs/jobs.md) on django-tasks' database backend: the queue is a table of this
# database, worked by `manage.py db_worker` processes on this machine or any other that reaches it
# (`make run` starts one beside the development server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email (Django's own names). In development mail is printed on the console; naming an SMTP
# server (EMAIL_HOST) is enough to send real mail, so that an operator who sets the server but
# forgets the backend does not lose the deadline emails to a console nobody reads.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS (usually port 587) or implicit TLS (usually 465): one or the other. Django would only
# fail when the first email is sent; refuse at start-up instead.
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: STARTTLS (usually port 587) or implicit TLS "
        "(usually port 465), not both"
    )
# Seconds before a connection to the mail server gives up: a cron job must not hang on a dead server.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "office@clt.example")

# Security. Every default is the safe one once DEBUG is off; each can be relaxed by the operator
# (for example SECURE_SSL_REDIRECT=0 behind a proxy that already redirects).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# HSTS: browsers remember for this long (a year) to use HTTPS only. Lower it while trying HTTPS out;
# subdomains and preload lists are on with it, so turn them off if a subdomain still serves plain HTTP.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of our own stand in front and append to X-Forwarded-For: the client's address is
# the one the outermost of them saw (clt/ratelimit.py). 0: the socket's address; the header is ignored,
# since anyone can send it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Cache: holds the rate-limit counters (clt/ratelimit.py) and DRF's throttle. "local" is per process, so
# each gunicorn worker counts on its own; "database" shares them through the database (after
# `manage.py createcachetable`).
CACHE_BACKENDS = {
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clt"},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clt_cache"},
}
cache_backend = os.environ.get("CACHE_BACKEND", "").strip().lower() or "local"
if cache_backend not in CACHE_BACKENDS:
    raise ImproperlyConfigured(f"CACHE_BACKEND must be local or database; got {cache_backend!r}")
CACHES = {"default": CACHE_BACKENDS[cache_backend]}

# Login lockout (django-axes, clt/lockout.py): an account after LOGIN_FAILURES_PER_ACCOUNT failed logins
# from anywhere, an address after LOGIN_FAILURES_PER_ADDRESS across all usernames, each until
# LOGIN_LOCKOUT_MINUTES after the last failure. On every login form (the site's and the admin's).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "clt.lockout.AccountOrAddressHandler"
AXES_LOCKOUT_CALLABLE = "clt.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "clt.ratelimit.client_address"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# Not a banner on every manage.py command; failed logins are still logged (by username and address).
AXES_VERBOSE = False
# A try while locked out does not push the end of the lockout further: the page's "try again in N
# minutes" stays true, and the owner of the account is not kept out by an attacker's retries.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Rate limits of the pages used without logging in, per client address and window (clt/ratelimit.py):
# failed attempts (wrong codes, receipts not found) and POSTs in all. 0 turns a counter off.
RATE_LIMIT_WINDOW_SECONDS = env_int("RATE_LIMIT_WINDOW_MINUTES", 10) * 60
RATE_LIMITS = {
    "vote": {
        "failures": env_int("VOTE_FAILED_CODES_PER_ADDRESS", 10),
        "requests": env_int("VOTE_POSTS_PER_ADDRESS", 300),
        "window": RATE_LIMIT_WINDOW_SECONDS,
    },
    "receipt": {
        "failures": env_int("RECEIPT_FAILED_CHECKS_PER_ADDRESS", 10),
        "requests": env_int("RECEIPT_POSTS_PER_ADDRESS", 100),
        "window": RATE_LIMIT_WINDOW_SECONDS,
    },
}

ballots_per_minute = env_int("BALLOTS_API_PER_MINUTE", 60)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clt.permissions.ScopedAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "clt.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clt.exceptions.api_exception_handler",
    # DRF's three, with JSON nested deeper than clt.api.parsers.MAX_JSON_DEPTH refused (400, not RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "clt.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Views opt in with throttle_scope (POST /api/v1/ballots/); counted per login, in the cache. None: no limit.
    "DEFAULT_THROTTLE_RATES": {"ballots": f"{ballots_per_minute}/minute" if ballots_per_minute > 0 else None},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Community Land Trust back office API",
    "DESCRIPTION": "Parcels, homes, ground leases, resale prices and governance of a community land trust.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "properties.models.UnitKind",
        "FundingKindEnum": "properties.models.FundingKind",
        "ParcelStatusEnum": "properties.models.ParcelStatus",
        "LeaseStatusEnum": "leases.lifecycle.api.serializers.LEASE_STATUS_CHOICES",
        "LeaseEventKindEnum": "leases.lifecycle.api.serializers.EVENT_KIND_CHOICES",
        "DeadlineKindEnum": "leases.lifecycle.api.serializers.DEADLINE_KIND_CHOICES",
        "DeadlineStatusEnum": "leases.lifecycle.models.DeadlineStatus",
        "ChargeKindEnum": "leases.ledger.models.ChargeKind",
        "StatementLineKindEnum": "leases.ledger.api.serializers.STATEMENT_LINE_KINDS",
        "MonitoringKindEnum": "leases.monitoring.models.MonitoringKind",
        "MonitoringStatusEnum": "leases.monitoring.models.MonitoringStatus",
        "MonitoringReviewStatusEnum": "leases.monitoring.api.serializers.REVIEW_STATUS_CHOICES",
    },
}

# The map: where it opens before any parcel exists, and the tile server (any XYZ URL).
MAP = {
    "DEFAULT_CENTER": (44.4759, -73.2121),
    "DEFAULT_ZOOM": 14,
    "TILES_URL": os.environ.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    "TILES_ATTRIBUTION": os.environ.get("MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors"),
}

# The public address of the site. Emails (manage.py deadlines) link to it, since a cron job has no
# request to take the host from; `check --deploy` warns while it still points at this machine.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
site_url = (os.environ.get("SITE_URL") or DEFAULT_SITE_URL).strip().rstrip("/")
if urlsplit(site_url).scheme not in {"http", "https"} or not urlsplit(site_url).hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an address such as https://office.example-clt.org; got {site_url!r}")

# Paper for the PDFs: "letter" or "A4". Empty leaves it to the time zone (clt/pdf.py): US Letter for a
# trust in the Americas, A4 elsewhere. Anything else is refused rather than silently printed on A4.
PAPER_SIZES = {"": "", "letter": "letter", "a4": "A4"}
paper_size = os.environ.get("PAPER_SIZE", "").strip()
if paper_size.lower() not in PAPER_SIZES:
    raise ImproperlyConfigured(f"PAPER_SIZE must be letter or A4, or empty to follow TIME_ZONE; got {paper_size!r}")

# The trust's own tolerances and facts, named so that a reviewer finds them in one place.
CLT = {
    # Below this zoom level the map asks for centroids (points), from it on for polygons.
    "MAP_POLYGON_MIN_ZOOM": env_int("CLT_MAP_POLYGON_MIN_ZOOM", 16),
    # Relative difference between the official (recorded) area and our geodesic area that flags a parcel.
    "AREA_MISMATCH_TOLERANCE": os.environ.get("CLT_AREA_MISMATCH_TOLERANCE", "0.01"),
    # A split must cover its original to within this fraction of the original's area.
    "SPLIT_COVERAGE_TOLERANCE": os.environ.get("CLT_SPLIT_COVERAGE_TOLERANCE", "0.001"),
    "SITE_URL": site_url,
    # The trust's name in the running header of every PDF (statements, notices, certificates).
    "TRUST_NAME": os.environ.get("TRUST_NAME", "").strip() or "Community Land Trust",
    "PAPER_SIZE": PAPER_SIZES[paper_size.lower()],
    # Ballots wait sealed until at least this many can be stored together in shuffled order, so that a
    # copy of the database cannot tell which of them is whose (docs/ballot-secrecy.md).
    "BALLOT_ANONYMITY_SET": env_int("CLT_BALLOT_ANONYMITY_SET", 10),
    # How far ahead a lease's "next deadline" looks: a renewal 90 years away is a date on the lease's
    # page, not what comes next (issue 14 §4).
    "DEADLINE_HORIZON_DAYS": env_int("CLT_DEADLINE_HORIZON_DAYS", 365),
}

# Where the trust works, as west,south,east,north in degrees (e.g. -73.28,44.44,-73.17,44.53 for
# Burlington, VT). A parcel boundary farther than CLT_LOCATION_MARGIN_KM from it (or, without it, from
# the trust's other parcels) is held until staff give a reason (issue 14 §6: a boundary entered as
# latitude, longitude once landed in the southern ocean).
service_area = env_list("CLT_SERVICE_AREA", [])
if service_area:
    try:
        west, south, east, north = (float(value) for value in service_area)
    except ValueError:
        raise ImproperlyConfigured(
            f"CLT_SERVICE_AREA must be four numbers, west,south,east,north; got {','.join(service_area)!r}"
        ) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ImproperlyConfigured(
            "CLT_SERVICE_AREA must be west,south,east,north in degrees, west < east within ±180 and "
            f"south < north within ±90; got {','.join(service_area)!r}"
        )
    CLT["SERVICE_AREA"] = (west, south, east, north)
else:
    CLT["SERVICE_AREA"] = None
CLT["LOCATION_MARGIN_KM"] = env_int("CLT_LOCATION_MARGIN_KM", 50)
if CLT["LOCATION_MARGIN_KM"] < 0:
    raise ImproperlyConfigured("CLT_LOCATION_MARGIN_KM must be 0 or more kilometres.")
if CLT["BALLOT_ANONYMITY_SET"] < 2:
    raise ImproperlyConfigured("CLT_BALLOT_ANONYMITY_SET must be 2 or more: 1 would store each ballot as it is cast.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # LOG_LEVEL: DEBUG, INFO, WARNING, ERROR; everything goes to stderr, for the process manager to keep.
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
