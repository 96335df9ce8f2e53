"""Settings shared by every environment.

Only this package reads the environment. Each value has the name and default
listed in the README's table of environment variables.
"""

from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

# Lets admin and form classes name their model (`admin.ModelAdmin[Listing]`) at run time,
# not only for mypy; settings load before any app module is imported.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # FORM_RENDERER (TemplatesSetting) finds Django's own widget templates here.
    "django.forms",
    "django_filters",
    # Database triggers declared on models and installed by migrations (offers.Listing).
    "pgtrigger",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "councils",
    "offers",
    "arrangements",
    "matching",
    "groups",
    "digests",
    "rest_framework",
    "drf_spectacular",
    "api",
    # Its system checks catch a mistyped CONTENT_SECURITY_POLICY.
    "csp",
    # Site-wide system checks (marketplace/checks.py: the static files manifest).
    "marketplace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view that cannot reach the database answers a 503 page that keeps what was
    # typed; handler500 does the same for the middleware below (marketplace/errors.py).
    "marketplace.errors.DatabaseUnavailableMiddleware",
    # Before whitenoise, so static files carry the same headers as pages.
    "csp.middleware.CSPMiddleware",
    "marketplace.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: staff without a second factor set one up first.
    "councils.middleware.StaffMfaRequiredMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

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
                "marketplace.context_processors.site",
            ],
        },
    },
]
# Every Django form renders with GOV.UK Frontend markup (labels, hints,
# error messages) through these templates.
FORM_RENDERER = "marketplace.forms.GovukFormRenderer"

# PostgreSQL everywhere (ADR 9). `make run` and `make test` start an embedded
# server in var/postgres/ and export its URL when DATABASE_URL is unset.
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: set DATABASE_URL or use make run / make test, which start "
        "an embedded PostgreSQL in var/postgres/ (for any other command: "
        "scripts/embedded_db.py run -- COMMAND)."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# A kept connection is checked (one cheap query) before each request reuses it,
# so a database restart costs a reconnect, not one error page per web process.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An unreachable server fails a request in 5 s, not the operating system's two minutes.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, with a database table standing in while Redis is down, so
            # pages still render and rate limits still count (core/cache.py, ADR 7).
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "marketplace",
            "FALLBACK_RETRY_SECONDS": 5,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "councils.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email only, verified before use. Rate limits are allauth's
# defaults (they apply to sign-in, sign-up, password reset and confirmation
# emails), kept in the shared cache so every web process counts together.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Find a shared service partner] "
ACCOUNT_ADAPTER = "councils.adapters.AccountAdapter"
# GOV.UK labels and error messages on allauth's forms (no placeholders).
ACCOUNT_FORMS = {
    "login": "councils.membership_forms.LoginForm",
    "signup": "councils.membership_forms.SignupForm",
    "reset_password": "councils.membership_forms.ResetPasswordForm",
    "reset_password_from_key": "councils.membership_forms.ResetPasswordKeyForm",
    "change_password": "councils.membership_forms.ChangePasswordForm",
    "set_password": "councils.membership_forms.SetPasswordForm",
    "add_email": "councils.membership_forms.AddEmailForm",
}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Staff (moderators, admins of the site) must have an authenticator app before
# any page opens for them (councils.middleware). On everywhere by default.
STAFF_MFA_REQUIRED = env.bool("DJANGO_STAFF_MFA_REQUIRED", default=True)
# How many proxies in front of the web processes append to X-Forwarded-For
# (0: none, as on a developer's machine; 1: one load balancer). allauth's
# sign-in, sign-up and password-reset limits read it, so they key on the client;
# the service's own limits (interest, reports) key on the signed-in person.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
MFA_TOTP_ISSUER = "Find a shared service partner"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# The service is in English only, so Django's translation machinery is off, as
# its docs advise when it is not used: every date, number and URL a page renders
# asked for the active language (a browse miss about 150 times). Dates and
# numbers still take en-gb's formats (LANGUAGE_CODE), and no template or message
# is translated today. A Welsh version would turn this back on.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content-Security-Policy on every response, in every environment (tests too),
# so a page that needs an inline script or style fails in the test suite, not
# in production: no 'unsafe-inline' and no nonce, because nothing on the site
# needs one (docs/adr/0006-content-security-policy.md). JSON data blocks
# (json_script) are not executed, so CSP does not apply to them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the authenticator QR code
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Permissions-Policy (marketplace.middleware): browser features the site never
# uses, turned off for it and anything it might embed. Each name must be one
# Chromium knows, or it logs an error on every page.
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "window-management",
    "xr-spatial-tracking",
]

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "email"))
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Find a shared service partner <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. With no broker configured the tasks run in-process (eager), which
# is how the README's run command works on a machine with no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queueing a task fails within about two seconds when Redis is down, instead
# of retrying for minutes inside a web request whose transaction has committed
# (callers log it and carry on; the outbox relay queues the email later, ADR 7).
# Workers still reconnect on their own (CELERY_BROKER_CONNECTION_RETRY).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task not acknowledged within an hour is redelivered to another worker.
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    # Longer than the worker's 1 s BRPOP, so only a Redis that stopped answering trips it.
    "socket_timeout": 2,
    # Reconnecting before a publish: one try, not kombu's default of forever.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Periodic jobs, on UK time (CELERY_TIMEZONE). Each has an off switch below.
CELERY_BEAT_SCHEDULE = {
    "digests-daily": {
        "task": "offers.tasks.digests_send_task",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {"frequency": "daily"},
    },
    "digests-weekly": {
        "task": "offers.tasks.digests_send_task",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
        "kwargs": {"frequency": "weekly"},
    },
    "listings-expire": {
        "task": "offers.tasks.listings_expire_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "outbox-relay": {
        "task": "core.tasks.outbox_relay_task",
        "schedule": 60.0,
    },
    "listing-expiry-reminders": {
        "task": "offers.tasks.listing_expiry_reminders_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "moderation-summary": {
        "task": "offers.tasks.moderation_summary_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "join-request-reminders": {
        "task": "councils.tasks.join_request_reminders_task",
        "schedule": crontab(hour=9, minute=0, day_of_week="mon-fri"),
    },
}
# The email outbox (core.outbox): a claimed message not marked sent after this
# long is taken over by another worker (longer than CELERY_TASK_TIME_LIMIT);
# the relay queues pending rows older than OUTBOX_RELAY_AFTER_SECONDS.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=300)
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", default=60)
OUTBOX_RELAY_ENABLED = env.bool("OUTBOX_RELAY_ENABLED", default=True)
OUTBOX_RELAY_BATCH = 500
OUTBOX_RETRY_BASE_SECONDS = 60
# Off switches for the scheduled jobs (the tasks check them when they run).
DIGESTS_ENABLED = env.bool("DIGESTS_ENABLED", default=True)
LISTING_JOBS_ENABLED = env.bool("LISTING_JOBS_ENABLED", default=True)
# Off switch for the moderators' daily summary email (beat, 08:00 UK time);
# each moderator can also turn it off for themselves.
MODERATION_SUMMARY_ENABLED = env.bool("MODERATION_SUMMARY_ENABLED", default=True)
JOIN_REQUEST_REMINDERS_ENABLED = env.bool("JOIN_REQUEST_REMINDERS_ENABLED", default=True)
# A join request still pending after this many working days (England and Wales)
# is brought to its deciders' attention again, once.
JOIN_REQUEST_REMINDER_WORKING_DAYS = 3
# How long an emailed invitation to join an organisation can be accepted.
INVITATION_LIFETIME_DAYS = 14
# Digests: people per batch task; how long a claimed digest may stay "sending"
# before another worker takes it as abandoned (longer than CELERY_TASK_TIME_LIMIT).
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=500)
DIGEST_CLAIM_TIMEOUT = env.int("DIGEST_CLAIM_TIMEOUT", default=300)
DIGEST_MAX_LISTINGS = 20
DIGEST_SEND_HOUR = 7

# Wires bench/'s trivial baseline view (offers.browse.views.bench_trivial). Off unless
# bench/bench_browse.py turns it on for its own server; never on in production.
BENCH_VIEWS = env.bool("DJANGO_BENCH_VIEWS", default=False)

# How long a rendered /listings/ fragment is reused (offers/browse/cache.py, ADR 5); 0 turns it off.
BROWSE_CACHE_SECONDS = env.int("BROWSE_CACHE_SECONDS", default=60)

# Listings (offers.services): how long a published listing stays up before it
# expires (renewing starts the clock again), and how many days before expiry the
# owner is reminded.
LISTING_LIFETIME_DAYS = 182
LISTING_REMINDER_DAYS_BEFORE = 7
# Expressions of interest (offers.interest.services): new ones per person per window.
INTEREST_RATE_LIMIT = 10
INTEREST_RATE_WINDOW_SECONDS = 3600
# Reports of listings (offers.moderation.services.report_create): per person and
# per listing in a window, so nobody can flood the moderation queue.
REPORT_RATE_LIMIT_PER_USER = 5
REPORT_RATE_LIMIT_PER_LISTING = 20
REPORT_RATE_WINDOW_SECONDS = 3600

SITE_NAME = "Find a shared service partner"
# Absolute links in emails sent outside a request (Celery tasks).
SITE_URL = env("SITE_URL", default="http://localhost:8000")
# Shown on pages and in emails as the contact for the service itself.
SERVICE_CONTACT_EMAIL = env("SERVICE_CONTACT_EMAIL", default="shared-services@example.org")
# Password of the demo accounts `manage.py seed_demo` makes (it refuses to run
# with DEBUG off unless --force), printed on purpose: local use only.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-password-123")
# The demo moderator's authenticator-app secret (base32), printed by seed_demo.
DEMO_TOTP_SECRET = env("DEMO_TOTP_SECRET", default="KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF")

# The open data API (api/, ADR 11): read-only and anonymous (no authentication
# class, so a session never widens what it shows), JSON only (no browsable API,
# whose pages need inline scripts the CSP refuses), throttled per client address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.LicensedPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientAddressThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.views.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Find a shared service partner: open data API",
    "DESCRIPTION": (
        "Read-only open data: organisations, services, published public listings and "
        "spend. Published under the Open Government Licence v3.0; no personal data."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {
        "name": "Open Government Licence v3.0",
        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "councils.models.Authority.Kind",
        "ListingKindEnum": "offers.models.Listing.Kind",
    },
}
# Requests per client address (api.throttling; DJANGO_TRUSTED_PROXY_COUNT finds the
# address) and how long a page of results is reused (api.conditional).
API_THROTTLE_RATE = env("DJANGO_API_THROTTLE_RATE", default="120/min")
API_CACHE_SECONDS = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
