"""POM settings: one env-driven module.

Every variable has a safe local default and a line in `.env.example`. With no
`DATABASE_URL` POM runs on SQLite; with no `REDIS_URL` Celery runs tasks inline.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure"


def env(name: str, default: str = "") -> str:
    """The variable's value; empty counts as unset, so a copied .env.example keeps the defaults."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value == "True"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: the development key is refused when DEBUG is off")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("POM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.usersessions",
    "csp",
    "pom",
    "partners",
    "plans",
    "attribution",
    "workspaces",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pom.middleware.ApiJsonErrorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pom.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pom.middleware.UserTimezoneMiddleware",
    "pom.middleware.TenantScopeMiddleware",
    "pom.middleware.UserLanguageMiddleware",
]

# POM_BENCH_URLS=True adds the bench-only raw endpoints of bench/load/urls.py (load runs only, never production).
ROOT_URLCONF = "bench.load.urls" if env_bool("POM_BENCH_URLS", False) else "pom.urls"
WSGI_APPLICATION = "pom.wsgi.application"

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
                "csp.context_processors.nonce",
                "pom.context_processors.navigation",
                "workspaces.context_processors.notifications",
            ],
        },
    },
]

if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / env("POM_SQLITE_NAME", "db.sqlite3"),
            # The test database is a file (in the system temp dir, one per test process, removed at
            # the end) rather than in memory, so a real Celery worker started by tests can open it.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"pom-test-{os.getpid()}.sqlite3")},
            # WAL lets the web process and a worker read and write side by side; NORMAL sync is
            # durable enough for a local database and keeps migrations fast.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
# Row-level security (pom/rls.py, docs/tenancy.md): the role the application works as on PostgreSQL.
# `migrate` (as the owner) grants it every table; the test suite switches every connection to it.
POM_DB_APP_ROLE = env("POM_DB_APP_ROLE", "")
# A login that is granted the app role may work as it on every connection (`SET ROLE`, Django's
# `assume_role`): the suite's real worker processes do, so they run under row-level security too.
POM_DB_ASSUME_ROLE = env("POM_DB_ASSUME_ROLE", "")
if POM_DB_ASSUME_ROLE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["assume_role"] = POM_DB_ASSUME_ROLE
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "pom.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail is the login, verification is mandatory, MFA with TOTP and
# recovery codes, and rate limits on login and the other sensitive actions.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("POM_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "pom.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "pom.forms.SignupExtraForm"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/m/ip",
    "signup": "20/m/ip",
    "reset_password": "5/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[POM] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "POM"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# With the file backend (django.core.mail.backends.filebased.EmailBackend) mails land here.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "tmp" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "POM <no-reply@pom.localhost>")

LANGUAGE_CODE = "en-us"
# The languages POM speaks (docs/i18n.md): one project catalogue per language in locale/. A signed-in
# user's own choice (User.language) wins; otherwise the language cookie, then the browser's Accept-Language.
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js comes from the installed plotly package, so charts work offline without a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded files live outside static and are only served through views that check access.
MEDIA_ROOT = Path(env("POM_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"*.heavy_*": {"queue": "heavy"}}
# A test's private worker (tests/worker.py) sends everything, the follow-up tasks it enqueues itself
# included (webhook retries, the next job), to its own queue.
if env("POM_CELERY_QUEUE"):
    CELERY_TASK_DEFAULT_QUEUE = env("POM_CELERY_QUEUE")
    CELERY_TASK_ROUTES = {"*": {"queue": CELERY_TASK_DEFAULT_QUEUE}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pom.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pom.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "pom.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "pom.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "pom.api.schema.PomAutoSchema",
    "EXCEPTION_HANDLER": "pom.api.base.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "pom.api.auth.ApiKeyRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
        "pom.api.auth.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "apikey": env("POM_THROTTLE_APIKEY", "1200/minute"),
        "anon": env("POM_THROTTLE_ANON", "60/minute"),
        "user": env("POM_THROTTLE_USER", "2400/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "POM API",
    "DESCRIPTION": (
        "Partner Operating Model platform. Authenticate with an organization API key: "
        "`Authorization: Bearer <key>`. Every tenant endpoint lives under `/api/o/<org_slug>/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps get explicit names (drf-spectacular would warn).
    "ENUM_NAME_OVERRIDES": {
        "OrgRoleEnum": "pom.models.Role",
        "ApiKeyScopeEnum": "pom.models.ApiKeyScope",
        "SsoProtocolEnum": "pom.models_security.SsoProtocol",
    },
}

# Production hardening: every value is settable from the environment (see .env.example).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

POM_ORG_INVITATION_DAYS = env_int("POM_ORG_INVITATION_DAYS", 14)

# Content-Security-Policy (django-csp): scripts only from POM itself or carrying the request's nonce
# (`{{ request.csp_nonce }}`), no inline event handlers, no inline styles, no framing. Charts need
# no nonce: `pom.charts.figure_html` emits data that static/js/pom.js draws. See docs/security.md.
POM_CSP_REPORT_URI = env("POM_CSP_REPORT_URI")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # plotly.js sets style attributes on the SVG it draws; <style> elements stay refused.
        "style-src-elem": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [POM_CSP_REPORT_URI]} if POM_CSP_REPORT_URI else {}),
    },
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
# Secrets POM reads back (webhook signing secrets, SSO client secrets) are encrypted with these Fernet
# keys, newest first; unset: one key derived from DJANGO_SECRET_KEY (pom/crypto.py).
POM_ENCRYPTION_KEYS = env_list("POM_ENCRYPTION_KEYS")

# Outbound webhooks (pom/webhooks.py, docs/webhooks.md).
POM_WEBHOOK_REQUIRE_HTTPS = env_bool("POM_WEBHOOK_REQUIRE_HTTPS", not DEBUG)
# Receivers on private, loopback or link-local addresses are refused unless their network is listed
# here (CIDR, comma-separated, e.g. "10.0.0.0/8" for an integration inside your own network).
POM_WEBHOOK_ALLOWED_NETWORKS = env_list("POM_WEBHOOK_ALLOWED_NETWORKS")
POM_WEBHOOK_TIMEOUT = env_int("POM_WEBHOOK_TIMEOUT", 10)
POM_WEBHOOK_MAX_ATTEMPTS = env_int("POM_WEBHOOK_MAX_ATTEMPTS", 10)
POM_WEBHOOK_RETRY_BASE_SECONDS = env_int("POM_WEBHOOK_RETRY_BASE_SECONDS", 30)
POM_WEBHOOK_DISABLE_AFTER = env_int("POM_WEBHOOK_DISABLE_AFTER", 20)
POM_WEBHOOK_SECRET_OVERLAP_HOURS = env_int("POM_WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# `opportunity.credited`: at most this many events per attribution run (the opportunities with the
# lowest ids first); `attribution.credited` always comes once per run that changed the ledger.
POM_WEBHOOK_CREDITED_MAX_EVENTS = env_int("POM_WEBHOOK_CREDITED_MAX_EVENTS", 5000)

# Account security (pom/security.py): sign-in lockout counted in the database every process shares,
# and MFA required of every owner and admin when the deployment says so.
POM_LOGIN_MAX_FAILURES = env_int("POM_LOGIN_MAX_FAILURES", 5)
POM_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("POM_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
POM_LOGIN_WINDOW_MINUTES = env_int("POM_LOGIN_WINDOW_MINUTES", 15)
POM_LOGIN_LOCKOUT_MINUTES = env_int("POM_LOGIN_LOCKOUT_MINUTES", 15)
POM_REQUIRE_MFA_FOR_ADMINS = env_bool("POM_REQUIRE_MFA_FOR_ADMINS", False)
POM_API_KEY_ROTATION_OVERLAP_HOURS = env_int("POM_API_KEY_ROTATION_OVERLAP_HOURS", 24)

# Single sign-on (pom/sso.py): OpenID Connect per organization through allauth's social accounts.
SOCIALACCOUNT_ADAPTER = "pom.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the identity provider vouches for the address
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("POM_SSO_TIMEOUT", 5)
POM_SSO_TIMEOUT = env_int("POM_SSO_TIMEOUT", 5)
POM_SSO_REQUIRE_HTTPS = env_bool("POM_SSO_REQUIRE_HTTPS", not DEBUG)
POM_SSO_ALLOWED_NETWORKS = env_list("POM_SSO_ALLOWED_NETWORKS")

# Data rights (pom/privacy.py): days between an owner's request to delete the organization and the deletion.
POM_ORG_DELETION_GRACE_DAYS = env_int("POM_ORG_DELETION_GRACE_DAYS", 30)
# Partnership digests (workspaces): e-mailed action links, and the optional LLM writer (off unless a URL is set).
POM_DIGEST_LINK_DAYS = env_int("POM_DIGEST_LINK_DAYS", 14)
POM_DIGEST_LLM_URL = env("POM_DIGEST_LLM_URL", "")
POM_DIGEST_LLM_MODEL = env("POM_DIGEST_LLM_MODEL", "gpt-4o-mini")
POM_DIGEST_LLM_API_KEY = env("POM_DIGEST_LLM_API_KEY", "")
POM_DIGEST_LLM_TIMEOUT = env_int("POM_DIGEST_LLM_TIMEOUT", 10)

# Attribution runs (issue 19): an attempt's lease, extended between chunks; a worker that dies stops
# extending it and the run is claimed again (redelivery or `attribution_runs_reclaim`, every minute).
ATTRIBUTION_RUN_LEASE_SECONDS = env_int("POM_ATTRIBUTION_RUN_LEASE_SECONDS", 120)
ATTRIBUTION_RUN_CHUNK = env_int("POM_ATTRIBUTION_RUN_CHUNK", 2000)
# Redis redelivers an unacknowledged task (acks late: its worker died) after this many seconds instead of
# kombu's one hour. Longer than any task normally runs; claims and leases make a duplicate delivery harmless.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 900}
