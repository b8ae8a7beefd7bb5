"""Settings shared by every way of running the platform. Everything that differs between the
embedded default and production comes from the environment (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from platform4a1c.queues import DEFAULT as DEFAULT_QUEUE
from platform4a1c.queues import ROUTES as TASK_ROUTES

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# Runtime files of the embedded default: the demo broker's queue folders, logs, media.
VAR_DIR = Path(env("PLATFORM_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
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
    "django.contrib.postgres",  # trigram search of the centre (lookups only; harmless on SQLite)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "guardian",
    "django_celery_beat",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # the platform, bottom layer first (DESIGN.md §3)
    "agents",
    "infocenter",
    "lending",
    "clusterfinance",
    "portals.enterprises",
    "portals.government",
    "portals.institutions",
    "portals.investors",
    "platform4a1c",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "agents.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "agents.middleware.AuditContextMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "agents.middleware.MfaRequiredMiddleware",
    "platform4a1c.db_router.ReplicaReadsMiddleware",  # does nothing without DATABASE_REPLICA_URL
]

ROOT_URLCONF = "platform4a1c.urls"
WSGI_APPLICATION = "platform4a1c.wsgi.application"

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
                "agents.context_processors.portal",
            ],
            "builtins": ["agents.templatetags.money"],
        },
    }
]

# Covering indexes (INCLUDE) serve PostgreSQL; SQLite, the embedded demo, ignores the included
# columns, which is all the warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- database: SQLite file by default, PostgreSQL through DATABASE_URL -----------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one file in the demo: WAL and IMMEDIATE transactions keep
    # concurrent writers from failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20}
# An optional read replica for the dashboards (platform4a1c/db_router.py, docs/scaling.md).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**env.db("DATABASE_REPLICA_URL"), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["platform4a1c.db_router.ReplicaRouter"]
REPLICA_READ_VIEWS = ("clusterfinance:portal", "government:portal", "institutions:portal")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: Redis when REDIS_URL is set ------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal-home"
LOGOUT_REDIRECT_URL = "landing"

# --- allauth: e-mail login; no open signup (invitations and the approved registration) ------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_ADAPTER = "agents.adapters.PlatformAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "4A+1C"
# Roles of the finance company, the government and institutions must have a second factor in
# production; the demo relaxes this and says so on the login page.
PLATFORM_REQUIRE_MFA = env.bool("PLATFORM_REQUIRE_MFA", default=False)

# Content-Security-Policy, sent when PLATFORM_SEND_CSP is on (production; agents.middleware).
# Everything the pages load comes from our own origin (static/vendor/ holds htmx, ECharts and
# Bootstrap); no inline <script> or on...= handler runs (they live in static/js/), so an injected
# script does not either. Inline style="" attributes stay allowed (widths, progress bars; ECharts
# sizes its canvas through them): a style runs no code. htmx is told not to inject its <style>.
PLATFORM_SEND_CSP = env.bool("PLATFORM_SEND_CSP", default=False)
PLATFORM_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:"],  # Bootstrap's form icons are data: SVGs
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- i18n: Simplified Chinese by default, English --------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="4A+1C <noreply@4a1c.localhost>")

# --- Celery: Redis in production, kombu filesystem:// in the embedded default -----------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue = VAR_DIR / "celery-queue"
    # kombu's filesystem transport needs its folders before the first message is sent (a
    # management command may enqueue before the demo launcher has started the worker).
    for _folder in ("celery-queue", "celery-processed", "celery-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# one queue per loop (platform4a1c/queues.py): a worker started without -Q listens to "default" only
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TASK_ROUTES = TASK_ROUTES
# Stored summaries (infocenter.summaries): a dashboard reads the stored figures of a scope that
# aggregates at least SUMMARY_MIN_ROWS records (below, it aggregates live: a few tens of ms),
# recomputed at least every SUMMARY_MAX_AGE seconds.
SUMMARY_MIN_ROWS = env.int("SUMMARY_MIN_ROWS", default=20_000)
# The nightly re-score of more member firms than this fans out into Celery tasks of this many
# firms each, on the ``rescore`` queue (clusterfinance.rating.tasks.ratings_rescore_all).
RATING_RESCORE_CHUNK = env.int("RATING_RESCORE_CHUNK", default=10_000)
SUMMARY_MAX_AGE = env.int("SUMMARY_MAX_AGE", default=600)

CELERY_BEAT_SCHEDULE = {
    # the audit log: link records written since the last seal into the hash chain
    "agents-audit-chain-seal": {
        "task": "agents.tasks.audit_chain_seal",
        "schedule": crontab(minute="*"),
    },
    "agents-expire-invitations": {
        "task": "agents.tasks.invitations_expire",
        "schedule": crontab(minute="*/5"),
    },
    # lending: nightly delinquency (overdue, penalty interest, DPD, buckets, five-category class),
    # then the ledger reconciliation (alerts when a balance or an entry is wrong)
    "lending-delinquency-nightly": {
        "task": "lending.tasks.delinquency_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    "lending-ledger-check": {
        "task": "lending.tasks.ledger_check",
        "schedule": crontab(hour=2, minute=30),
    },
    # the centre's outbox: deliver pending events (also kicked after each commit)
    "infocenter-dispatch-events": {
        "task": "infocenter.tasks.events_dispatch",
        "schedule": crontab(minute="*"),
    },
    # the dashboards' stored summaries of large scopes (infocenter.summaries): recomputed when
    # the centre recorded an event since, or when older than SUMMARY_MAX_AGE
    "infocenter-summaries-refresh": {
        "task": "infocenter.tasks.summaries_refresh",
        "schedule": crontab(minute="*"),
    },
    # yesterday's daily notification digests, by e-mail to those who asked for e-mail
    "infocenter-email-digests": {
        "task": "infocenter.tasks.notification_digests_email",
        "schedule": crontab(hour=7, minute=0),
    },
    # take back the permission of consents whose period has ended (visibility checks dates itself)
    "infocenter-expire-consents": {
        "task": "infocenter.tasks.consents_expire",
        "schedule": crontab(minute=5),
    },
    # module 3: every member firm re-rated after the nightly delinquency run and before the
    # morning disclosure (events re-score single firms within seconds in between)
    "clusterfinance-ratings-nightly": {
        "task": "clusterfinance.rating.tasks.ratings_rescore_all",
        "schedule": crontab(hour=4, minute=30),
    },
    # module 3: claims on the mutual guarantee fund for guaranteed loans past its claim days,
    # after the nightly delinquency run has set the days past due
    "clusterfinance-guarantee-claims-nightly": {
        "task": "clusterfinance.guarantees.tasks.guarantee_claims_nightly",
        "schedule": crontab(hour=2, minute=50),
    },
    # module 3 rewards and penalties: the finance companies' rules, after the nightly delinquency
    # run has set the days past due (events then re-score the firms they touch)
    "clusterfinance-sanctions-nightly": {
        "task": "clusterfinance.sanctions.tasks.sanctions_apply_nightly",
        "schedule": crontab(hour=2, minute=40),
    },
    # module 3 group loans: co-members called for instalments past the call days, holds on new
    # money refreshed, after the nightly delinquency run has set the days past due
    "clusterfinance-joint-liability-calls-nightly": {
        "task": "clusterfinance.schemes.group_loans.tasks.joint_liability_calls_nightly",
        "schedule": crontab(hour=2, minute=45),
    },
    # module 3 disclosure: the finance company's records every morning (after the nightly
    # delinquency run), the monthly platform disclosure on the first five working days
    "clusterfinance-disclosure": {
        "task": "clusterfinance.tasks.disclosure_run",
        "schedule": crontab(hour=7, minute=0),
    },
    # the government's compliance monitor, after the delinquency run, the ledger check and the
    # guarantee claims (the "check now" button runs the same evaluation at any time)
    "government-compliance-check": {
        "task": "portals.government.tasks_compliance.compliance_check_all",
        "schedule": crontab(hour=3, minute=10),
    },
    "infocenter-idempotency-keys-purge": {
        "task": "infocenter.imports.tasks.idempotency_keys_purge",
        "schedule": crontab(hour=3, minute=17),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # the centre's own API tokens (one way in; DRF's authtoken is not installed)
        "infocenter.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # limit/offset paging with a maximum page size (200) and a 400 for a limit that is no number
    "DEFAULT_PAGINATION_CLASS": "infocenter.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    # JSON bodies through the core's strict loader everywhere (the API views also name it)
    "DEFAULT_PARSER_CLASSES": ["infocenter.api.parsers.DecimalJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "4A+1C platform API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set used by several fields (else W001 fails check --deploy).
    "ENUM_NAME_OVERRIDES": {
        "AgentKindEnum": "agents.choices.AgentKind",
        "RecordKindEnum": "infocenter.choices.RecordKind",
        "PublicationCategoryEnum": "infocenter.choices.Category",
        "ReportCategoryEnum": "infocenter.choices.ReportCategory",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
