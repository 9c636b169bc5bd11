"""Settings for the crime data integrity audit application.

Everything that differs between machines comes from the environment:

- ``DJANGO_DEBUG``: ``1`` for local development; off unless asked for.
- ``DJANGO_SECRET_KEY``: required when ``DEBUG`` is off.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names.
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/cdi``; SQLite in the project folder when unset.
- ``DJANGO_SECURE_SSL``: ``0`` to turn off HTTPS-only cookies, HSTS and the HTTPS redirect
  (on by default whenever ``DEBUG`` is off).
- ``DJANGO_MEDIA_ROOT``: the folder of uploaded files when they are kept on local disk (``media/`` by default).
- ``DJANGO_S3_BUCKET``: keep uploaded files (evidence, pending imports) in this S3-compatible bucket instead, so
  that every server sees the same files; with ``DJANGO_S3_ENDPOINT_URL`` (any S3-compatible service),
  ``DJANGO_S3_REGION``, ``DJANGO_S3_PREFIX`` (a folder inside the bucket) and the usual ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY`` (or an instance role).
- ``DJANGO_PENDING_UPLOAD_HOURS``: how long an import's dry-run file waits for its confirm (24 by default).
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
    # Development only: never used when DEBUG is off.
    SECRET_KEY = "django-insecure-local-development-only-not-for-any-deployed-server"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "forces.admin_site.CdiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "core",
    "forces",
    "audits",
    "recommendations",
    "reports",
    "reaudits",
    "notifications",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL character in the address or query is a 400 before anything reads it.
    "config.api.refuse_nul_bytes",
    "csp.middleware.CSPMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session has passed a second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Signs out a session idle for SESSION_IDLE_SECONDS (forces/idle.py).
    "forces.idle.IdleSessionMiddleware",
    # Every page needs a signed-in user unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A session that must pass a second factor and has not: pages go to "enter your code", writes are refused.
    "forces.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change in the history tables.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a sign-in refused for too many failures into the "try again later" page (last, as axes asks).
    "axes.middleware.AxesMiddleware",
]

# The HTTP benchmark (bench/http_run.py) counts each request's queries; never set in production.
if os.environ.get("CDI_QUERY_LOG"):
    MIDDLEWARE.insert(0, "core.query_log.QueryLogMiddleware")

ROOT_URLCONF = "config.urls"

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
                "forces.context_processors.role",
                "forces.idle.idle",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (large imports): Django's tasks framework through the django-tasks backport. Deployed, jobs
# go into the database and `manage.py db_worker` runs them, on any number of machines sharing the database;
# with DEBUG on (`make run`, SQLite) they run at once in the request, so one command serves everything.
# DJANGO_TASKS_BACKEND=database|immediate overrides either.
TASKS_BACKEND = os.environ.get("DJANGO_TASKS_BACKEND", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in ("database", "immediate"):
    raise ImproperlyConfigured("DJANGO_TASKS_BACKEND must be 'database' or 'immediate'.")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend" if TASKS_BACKEND == "database"
                     else "django_tasks.backends.immediate.ImmediateBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked account or address before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout (forces/lockout.py): failures for one account, or from one address, within the cool-off
# period lock further attempts until it has passed (or an administrator lifts the lock in the admin).
AXES_HANDLER = "forces.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOCKOUT_ACCOUNT_FAILURES", "5"))
LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("DJANGO_LOCKOUT_ADDRESS_FAILURES", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOCKOUT_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "forces.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "forces.lockout.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Two-factor sign-in (forces/twofactor.py): required of inspectors and administrators. Off only for local
# development and the demo (DEBUG); `manage.py check --deploy` warns when it is off (forces/checks.py).
CDI_TWO_FACTOR_REQUIRED = env_flag("CDI_TWO_FACTOR_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "CDI audits"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "audits:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    BASE_DIR / "static_build",
    BASE_DIR / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not os.environ.get("DJANGO_S3_BUCKET")
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_S3_BUCKET"],
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "location": os.environ.get("DJANGO_S3_PREFIX", ""),
            # Private objects, never overwritten (names are random; a clash must not replace evidence), read
            # only through the application (evidence downloads check who is asking).
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if DEBUG:
    # Static files come from the finders in development; there is no collected STATIC_ROOT.
    WHITENOISE_USE_FINDERS = True
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# An import's dry-run file waits this long for its confirm; `manage.py purge_pending_uploads` removes it after.
PENDING_UPLOAD_MAX_AGE = timedelta(hours=float(os.environ.get("DJANGO_PENDING_UPLOAD_HOURS", "24")))

# Security. HTTPS-only settings are on whenever DEBUG is off, unless explicitly disabled
# (for a plain-HTTP test server, say).
SECURE_SSL = env_flag("DJANGO_SECURE_SSL", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_flag("DJANGO_BEHIND_PROXY") else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
# A session unused this long is signed out (forces/idle.py); pages warn this long before.
SESSION_IDLE_SECONDS = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_IDLE_WARNING_SECONDS = 5 * 60
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy: everything from this site only, and no inline script or style anywhere (templates
# load static files instead; tests/test_headers.py checks the templates and tests/browser/test_csp.py the pages).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (core/headers.py): browser features the service never uses, off for every page.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: [] for feature in ("accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
                                "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
                                "screen-wake-lock", "serial", "usb", "xr-spatial-tracking")
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every step of every PDF at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# The access record (who read or exported what, audits.AccessRecord) is kept this many days; the
# prune_access_records command deletes older rows (run it daily).
CDI_ACCESS_RECORD_DAYS = int(os.environ.get("CDI_ACCESS_RECORD_DAYS", "400"))

# Lists show this many rows a page.
PAGE_SIZE = 50

# History is a record, not an undo button: reverting would bypass the audit services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Email (reminders). Console in development; configure SMTP through the environment in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("DJANGO_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "cdi-audits@localhost")
# Links in emails point here.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Evidence uploads: files above this size stream to disk rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# No form takes more than a few files (evidence: 5 an update, checked with a message by the service); a request
# with more is refused while it is parsed, before its files reach the disk.
DATA_UPLOAD_MAX_NUMBER_FILES = 10

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "forces.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "forces.api_auth.HasRole",
        "forces.api_auth.ReadOnlyToken",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.handle_exception",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api_parsers.DepthLimitedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_THROTTLE_CLASSES": ["forces.lockout.TokenRateThrottle"],
    "DATETIME_FORMAT": "iso-8601",
}
# Requests a single API token may make (forces/lockout.py); over it the API answers 429 with Retry-After.
API_TOKEN_RATE = os.environ.get("DJANGO_API_TOKEN_RATE", "120/minute")
# Throttle counts live in the cache: set a shared one (e.g. Django's database cache after `manage.py
# createcachetable`) when running more than one app server.
CACHES = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": os.environ.get("DJANGO_CACHE_LOCATION", ""),
    }
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crime data integrity audits API",
    "DESCRIPTION": "Inspections, audited cases, results, findings and follow-up. Every response is scoped to "
                   "the caller's force exactly as the pages are. Authenticate with `Authorization: Bearer <token>` "
                   "(create tokens under Your API tokens) or the session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "FindingStatusEnum": "recommendations.models.Finding.Status",
        "InspectionStatusEnum": "audits.models.Inspection.Status",
        "ErrorKindEnum": "audits.rules.ErrorKind",
        "GradeEnum": "audits.grading.Grade",
        "GradingSchemeEnum": "audits.grading.GradingScheme",
        "QuestionEnum": "audits.grading.Question",
        "ResultAreaEnum": "core.categories.RESULT_AREA_CHOICES",
        "FigureSourceEnum": "reports.figures.FIGURE_SOURCE_CHOICES",
        "CancellationGroundEnum": "audits.rules.CancellationGround",
        "CancellationCategoryEnum": "core.categories.CancellationCategory",
        "ReportCategoryEnum": "core.categories.ReportCategory",
    },
}
