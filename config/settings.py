"""One settings file, driven by environment variables (see README: Configuration)."""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
TESTING = "PYTEST_VERSION" in os.environ  # set by pytest itself


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in ``.secret_key`` (made on first start)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

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
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "serviceloop.core",
    "serviceloop.org",
    "serviceloop.customers",
    "serviceloop.servicedesk",
    "serviceloop.tags",
    "serviceloop.visits",
    "serviceloop.surveys",
    "serviceloop.portal",
    "serviceloop.growth",
    "serviceloop.trade",
    "serviceloop.integrations",
    "serviceloop.kpis",
    "serviceloop.evaluation",
    "serviceloop.supervision",
    "serviceloop.reviews",
    "serviceloop.guidance",
    "serviceloop.trainings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages gzip-compressed for phones on slow networks (the QR page: 9 KB → 3 KB); Django's GZipMiddleware
    # pads each response at random against BREACH. Static files come compressed from whitenoise.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "serviceloop.core.middleware.LanguageMiddleware",
    # Before anything reads request.POST: NUL characters and oversize bodies get a clear Chinese answer.
    "serviceloop.core.middleware.HostileInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "serviceloop.core.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                "serviceloop.core.context_processors.navigation",
                "serviceloop.core.context_processors.csp_nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the job runner read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The settlement indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite builds them without
    # and still uses them. Its warning on every migrate would only teach people to ignore warnings.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "phone", "email")},
    },
    # Django's similarity check skips short attributes inside long passwords (张三 in 张三2024abc).
    {"NAME": "serviceloop.org.passwords.PersonalDataValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out user or address before the password check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end builds come from npm at set-up time (copied by the Makefile into the git-ignored
# static/vendor), never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Tests and benchmarks serve files straight from the finders; manifest storage needs collectstatic.
        "BACKEND": os.environ.get("STATICFILES_BACKEND")
        or (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated call gets 401 with a WWW-Authenticate header. Wrong tokens
        # are counted per client address and refused with 429 once too many were tried.
        "serviceloop.integrations.auth.ApiTokenAuthentication",  # users' named tokens, then DRF's authtoken
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_ANON", "60/minute"),
        "user": os.environ.get("API_RATE_USER", "600/minute"),
        "bad_token": os.environ.get("API_RATE_BAD_TOKEN", "20/hour"),
    },
    "EXCEPTION_HANDLER": "serviceloop.core.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "serviceloop.core.api_errors.JSONParser",  # refuses NUL, which PostgreSQL cannot store
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "serviceloop.integrations.auth.TokenScopePermission",  # a read-only token gets 403 on writes
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ServiceLoop API",
    "DESCRIPTION": "服务闭环 — retail-customer service quality management",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Schema and docs only for signed-in staff; swagger-ui served from the installed sidecar, never a CDN.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "serviceloop.core.api_schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TrainingSessionStatusEnum": "serviceloop.trainings.models.SessionStatus",
        "CustomerStatusEnum": "serviceloop.customers.models.CustomerStatus",
        "RequestStatusEnum": "serviceloop.servicedesk.models.Status",
        "MilestoneStateEnum": "serviceloop.servicedesk.models.MilestoneState",
        "RequestChannelEnum": "serviceloop.servicedesk.models.Channel",
        "RequestKindEnum": "serviceloop.servicedesk.models.Kind",
        "OrderChannelEnum": "serviceloop.trade.models.Channel",
        "BatchKindEnum": "serviceloop.trade.models.BatchKind",
        # Issue 15 (tags, visits, surveys, allocation, org, integrations over the API)
        "RoleEnum": "serviceloop.org.models.Role",
        "TagStatusEnum": "serviceloop.tags.models.TagStatus",
        "TagSourceEnum": "serviceloop.tags.models.DiscoverySource",
        "TagCategoryEnum": "serviceloop.tags.models.TagCategory",
        "VisitStatusEnum": "serviceloop.visits.models.VisitStatus",
        "VisitOutcomeEnum": "serviceloop.visits.models.VisitOutcome",
        "VisitSourceEnum": "serviceloop.visits.models.VisitSource",
        "KeyListEnum": "serviceloop.visits.models.KeyList",
        "WaveStatusEnum": "serviceloop.surveys.models.WaveStatus",
        "AnswerStatusEnum": "serviceloop.surveys.models.AnswerStatus",
        "SurveyChannelEnum": "serviceloop.surveys.models.Channel",
        "AllocationRunStatusEnum": "serviceloop.growth.models.RunStatus",
        # Issue 15, second part (KPIs, scorecards, supervision, reviews, integrations)
        "KpiLevelEnum": "serviceloop.kpis.models.Level",
        "KpiDirectionEnum": "serviceloop.kpis.models.Direction",
        "KpiAreaEnum": "serviceloop.kpis.models.Area",
        "KpiStatusEnum": ["good", "warn", "bad", ""],
        "ScorecardSubjectEnum": "serviceloop.evaluation.models.Subject",
        "ScorecardPeriodKindEnum": "serviceloop.evaluation.models.PeriodKind",
        "PerspectiveEnum": "serviceloop.evaluation.models.Perspective",
        "InspectionPlanKindEnum": "serviceloop.supervision.models.PlanKind",
        "InspectionSourceEnum": "serviceloop.supervision.models.Source",
        "InspectionFindingEnum": "serviceloop.supervision.models.Finding",
        "InspectionSeverityEnum": "serviceloop.supervision.models.Severity",
        "InspectionMethodEnum": "serviceloop.supervision.models.Method",
        "RectificationStatusEnum": "serviceloop.supervision.models.RectStatus",
        "RectificationActionEnum": "serviceloop.supervision.models.RectAction",
        "RiskLevelEnum": "serviceloop.supervision.models.RiskLevel",
        "RiskStatusEnum": "serviceloop.supervision.models.RiskStatus",
        "RiskActionEnum": "serviceloop.supervision.models.RiskAction",
        "RiskCauseEnum": "serviceloop.supervision.models.RiskCause",
        "TokenScopeEnum": "serviceloop.integrations.models.TokenScope",
        "DeliveryStatusEnum": "serviceloop.integrations.models.DeliveryStatus",
    },
}

FILTERS_EMPTY_CHOICE_LABEL = _("All")
CSRF_FAILURE_VIEW = "serviceloop.core.errors.csrf_failure"

# Roles that see full phone numbers; every other role sees 138****5678.
PHONE_VISIBLE_ROLES = {
    "city_admin",
    "branch_manager",
    "station_head",
    "market_manager",
    "account_manager",
    "agent",
}
CUSTOMER_PAGE_SIZE = 30

# Cache (rate-limit counters of the public pages, API throttles, cached analyses). The counters must be shared
# by every gunicorn worker: by default the database cache (a table made by a migration; atomic counters),
# Redis through django-redis when CACHE_URL says redis://…, per-process memory only when asked (locmem://).
_cache_url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": _cache_url,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
elif _cache_url.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sl"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "serviceloop.core.cache.DatabaseCache",
            "LOCATION": "serviceloop_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Public pages for shop owners (QR landing page, tracking page): links printed on service cards.
# Printed into every QR card: set it to the address shops' phones reach (a loopback or private address is
# flagged on the cards page). Without it, the local server's own address (`PORT=8080 make run` → :8080).
PUBLIC_BASE_URL = os.environ.get(
    "PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
).rstrip("/")
# Messages to shops: an HTTP SMS gateway when SMS_GATEWAY_URL is set (servicedesk/notifiers.py), else logged.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_ACCOUNT = os.environ.get("SMS_ACCOUNT", "")
SMS_KEY = os.environ.get("SMS_KEY", "")
SMS_SIGNATURE = os.environ.get("SMS_SIGNATURE", "")
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "5"))
SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "5"))
PORTAL_RATE_SHOP_PER_HOUR = int(os.environ.get("PORTAL_RATE_SHOP_PER_HOUR", "5"))
PORTAL_RATE_ADDRESS_PER_HOUR = int(os.environ.get("PORTAL_RATE_ADDRESS_PER_HOUR", "20"))
# The shop's guidance book behind its QR link (views and downloads an hour; drawing a PDF costs about a second).
GUIDANCE_PUBLIC_RATE_SHOP_PER_HOUR = int(os.environ.get("GUIDANCE_PUBLIC_RATE_SHOP_PER_HOUR", "30"))
GUIDANCE_PUBLIC_RATE_ADDRESS_PER_HOUR = int(os.environ.get("GUIDANCE_PUBLIC_RATE_ADDRESS_PER_HOUR", "60"))
# Training check-in at the door (trainings/views_public.py): failed tries an hour per client address, per session.
TRAINING_CHECKIN_FAILURES_PER_HOUR = int(os.environ.get("TRAINING_CHECKIN_FAILURES_PER_HOUR", "10"))
TRAINING_CHECKIN_FAILURES_PER_SESSION = int(os.environ.get("TRAINING_CHECKIN_FAILURES_PER_SESSION", "200"))
# Wrong answers to the owner's four-digit check before the book and the suggested order (portal/owner.py).
PORTAL_OWNER_FAILURES_PER_SHOP = int(os.environ.get("PORTAL_OWNER_FAILURES_PER_SHOP", "10"))
PORTAL_OWNER_FAILURES_PER_ADDRESS = int(os.environ.get("PORTAL_OWNER_FAILURES_PER_ADDRESS", "20"))
# Categories, SLA policies, the working calendar and webhook subscriptions, kept this long in each process
# (serviceloop/core/refcache.py); 0 in tests, where a change must show at once.
REFERENCE_CACHE_SECONDS = int(os.environ.get("REFERENCE_CACHE_SECONDS", "0" if TESTING else "60"))
# Behind a reverse proxy, the header holding the client address (e.g. HTTP_X_FORWARDED_FOR); else REMOTE_ADDR.
# Used by the public pages' rate limits, the log-in lock-out and the API's throttles.
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER") or os.environ.get(
    "PORTAL_CLIENT_ADDRESS_HEADER", ""
)
PORTAL_CLIENT_ADDRESS_HEADER = CLIENT_ADDRESS_HEADER
EXPORT_MAX_ROWS = 100_000
# Trade data (serviceloop/trade): price class lines (wholesale 元/条 ex-tax: class 1 at or above the first,
# class 5 below the last), the drop folder other systems export into, bad rows kept per batch.
TRADE_PRICE_CLASS_THRESHOLDS = tuple(
    os.environ.get("TRADE_PRICE_CLASS_THRESHOLDS", "100,70,30,16.5").split(",")
)
TRADE_DROP_FOLDER = os.environ.get("TRADE_DROP_FOLDER", "")
TRADE_ERROR_LIMIT = int(os.environ.get("TRADE_ERROR_LIMIT", "1000"))
TRADE_API_MAX_ROWS = int(os.environ.get("TRADE_API_MAX_ROWS", "50000"))
# Weeks of trade the demo city gets (a year; the test suite builds demo cities several times and takes 8).
DEMO_TRADE_WEEKS = int(os.environ.get("DEMO_TRADE_WEEKS", "8" if TESTING else "52"))

# Long work a user starts (imports, exports, batch PDFs) runs in `manage.py db_worker` (django-tasks with its
# database backend: nothing extra to install, several workers share PostgreSQL). Tests run it at once.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
WORK_KEEP_DAYS = int(os.environ.get("WORK_KEEP_DAYS", "7"))  # finished work's files are removed after this

# The background jobs (``manage.py run_jobs``, ``serviceloop.core.jobs``): (name, the job function's dotted path,
# how often, and the lease a runner holds while running it when not the default ten minutes). Listed in the order one
# run takes them: a job that feeds another comes first (key lists → due dates → plans; KPI values → scorecards;
# reminders → the outbox that sends them).
minute, hour = dt.timedelta(minutes=1), dt.timedelta(hours=1)
# fmt: off
JOBS = [
    ("purge_stale_uploads", "serviceloop.core.jobs.purge_stale_uploads", hour),
    ("rebuild_counts", "serviceloop.core.counts.job_rebuild_counts", hour),
    ("clear_expired_sessions", "serviceloop.core.jobs.clear_expired_sessions", 6 * hour),
    ("purge_finished_work", "serviceloop.core.jobs.purge_finished_work", 6 * hour),
    ("servicedesk_sweep", "serviceloop.servicedesk.escalation.sweep", 5 * minute),  # SLA warnings, escalations
    ("survey_reminders_due", "serviceloop.surveys.jobs.survey_reminders_due", 6 * hour),
    ("key_customer_lists", "serviceloop.visits.keylists.job_keylists", 6 * hour),
    ("visit_due_dates", "serviceloop.visits.services.job_visit_due", 6 * hour),
    ("visits_plan_coming_days", "serviceloop.visits.services.job_plan_coming_days", 6 * hour),
    # messages to shops are written by the services and sent here: no request waits on the SMS gateway
    ("shop_messages_send", "serviceloop.servicedesk.notifiers.shopmessages_send", minute),
    ("shop_messages_retry", "serviceloop.servicedesk.notifiers.shopmessages_retry", 5 * minute),
    ("trade_drop_folder", "serviceloop.trade.jobs.pick_up_drop_folder", 10 * minute, hour),
    ("deliver_events", "serviceloop.integrations.events.job_deliver_events", minute),
    ("restock_advice", "serviceloop.growth.restock.job_restock_advice", 6 * hour, hour),
    # daily: the window slides (imports refresh their own shops' scores as they are written)
    ("settlement_risks", "serviceloop.growth.care.job_settlement_risks", 24 * hour, hour),
    # "daily and at month end": the home page's KPIs at most a quarter-day old; until the 5th the month before too
    ("kpi_values", "serviceloop.kpis.compute.job_kpis", 6 * hour, hour),
    ("scorecards_monthly", "serviceloop.evaluation.services.job_scorecards", 6 * hour, hour),
    ("supervision_daily", "serviceloop.supervision.rules.job_supervision", 6 * hour, 30 * minute),
    ("shop_reminders", "serviceloop.growth.reminders.job_shop_reminders", hour, 30 * minute),
    ("shop_outbox_send", "serviceloop.customers.outbox.job_shop_outbox_send", minute),
    ("shop_points", "serviceloop.trade.points.job_points", 12 * hour, hour),
    ("rate_counters_purge", "serviceloop.portal.ratelimit.job_ratecounters_purge", 6 * hour),
]
# fmt: on

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- security -------------------------------------------------------------------------------------------
# Behind HTTPS (HTTPS=true) every secure default switches on; each can still be set on its own.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600 if HTTPS else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# A TLS-terminating reverse proxy tells Django the original scheme in this header (e.g. X-Forwarded-Proto).
_proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sessions end after a working day without activity (refreshed at most every few minutes while in use).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(8 * 3600)))
SESSION_REFRESH_SECONDS = 300

# Content-Security-Policy (django-csp): scripts only from this site or inline blocks carrying the page's nonce;
# inline style attributes stay allowed (ECharts tooltips and Bootstrap utilities write them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Log-in lock-out (django-axes): too many wrong passwords for one user name, or from one address, lock that
# user name / address for the cool-off time; the log-in page says when to try again.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "serviceloop.core.views_account.locked_out"
AXES_CLIENT_IP_CALLABLE = "serviceloop.core.clients.ip_address_or_none"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing speed is not under test
    WHITENOISE_AUTOREFRESH = True  # no collected files in tests; quiets the "no directory" warning
