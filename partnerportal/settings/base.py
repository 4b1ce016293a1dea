"""Settings shared by every environment; read from the environment with django-environ."""

import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-secret-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_countries",  # ISO 3166 country list with translated names (the billing profile)
    "partnerportal.apps.PartnerPortalConfig",  # template tags, the page cache's data versions
    "membership",
    "offers",
    "billing",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that reads or writes the database (sessions, the user, views): a database
    # that is busy or down answers 503 with Retry-After, not 500.
    "partnerportal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware with the user's saved language first, so after the user is known.
    "membership.middleware.UserLocaleMiddleware",
    # Before any view or admin filter reads the query string, after the reader's language is known: a
    # NUL in it is a 400 page in that language, not PostgreSQL's error.
    "partnerportal.middleware.NulCharactersRefusedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerportal.urls"

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
                "membership.context_processors.portal",
            ],
        },
    },
    # The hot pages (partnerportal/jinja.py): <app>/jinja2/. Looked up after Django's templates, so a
    # name is Django's unless only a jinja2/ folder has it.
    {
        "BACKEND": "partnerportal.jinja.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "partnerportal.jinja.environment",
            "context_processors": [
                # Django's csrf processor with the mask drawn in one system call.
                "partnerportal.csrf.context_processor",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Django's i18n processor, reading the page's pinned language (partnerportal.jinja).
                "partnerportal.i18n.context_processor",
                "membership.context_processors.portal",
            ],
            # Modules whose JINJA_GLOBALS and JINJA_FILTERS the pages use (named here, so the
            # environment in partnerportal imports no app above it).
            "helpers": [
                "partnerportal.templatetags.portal",
                "billing.templatetags.money",
                "billing.templatetags.billing_rows",
                "offers.templatetags.offer_rows",
                "support.templatetags.support_rows",
            ],
        },
    },
]

WSGI_APPLICATION = "partnerportal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
# A persistent connection cut by a database restart is noticed at the next request, not served as an error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. IMMEDIATE takes the write lock when a transaction begins, so
    # writers queue for it (up to the busy timeout) instead of failing with "database is locked" when
    # a reader upgrades; WAL lets pages be read while someone writes. This is what stands in for
    # PostgreSQL's row locks (select_for_update is a no-op on SQLite).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Django's own backends, with the page cache's data versions written as each transaction's last
# statement (partnerportal/db/backends/versions_at_commit.py).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.sqlite3": "partnerportal.db.backends.sqlite3",
    "django.db.backends.postgresql": "partnerportal.db.backends.postgresql",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "membership.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The cache holds page bodies only (partnerportal/page_cache.py): never a session, a user or a version,
# so losing it costs speed, not correctness, and a process's own memory is a correct cache. The
# embedded default keeps pages in each process's memory; production shares them on Redis.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portal-pages")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # Django's default of 300 entries would evict pages as soon as a few dozen users read six each.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 5000)
# Keys name rows by id, so two databases must never share them (the bench's and the portal's
# SQLite files under one var/cache, two checkouts on one Redis): the prefix names the database.
CACHES["default"].setdefault(
    "KEY_PREFIX",
    hashlib.sha256(
        " ".join(str(DATABASES["default"].get(part, "")) for part in ("ENGINE", "HOST", "PORT", "NAME")).encode()
    ).hexdigest()[:12],
)
if CACHES["default"]["BACKEND"] in ("django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache"):
    # Redis down must cost speed, not pages: django-redis with IGNORE_EXCEPTIONS turns every cache
    # call into a miss or a dropped write while Redis does not answer (pages render afresh), and logs
    # each one.
    CACHES["default"]["BACKEND"] = "django_redis.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {})["IGNORE_EXCEPTIONS"] = True
    # A Redis that does not answer must not hold a page up for long.
    CACHES["default"]["OPTIONS"].setdefault("SOCKET_CONNECT_TIMEOUT", 1)
    CACHES["default"]["OPTIONS"].setdefault("SOCKET_TIMEOUT", 1)
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Signed-in pages and their header from the cache (partnerportal/page_cache.py): the longest a part is
# kept. 0 turns the page cache off. A change of the data a page shows makes it miss at once.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)

# Sign-in lockout (django-axes, on /accounts/login/ and /admin/login/; see partnerportal/lockout.py):
# failures of the last LOGIN_LOCKOUT_SECONDS lock an account (from every address) at
# LOGIN_FAILURES_PER_ACCOUNT and an address (for every account) at LOGIN_FAILURES_PER_IP.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=50)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
AXES_HANDLER = "partnerportal.lockout.PortalAxesHandler"  # axes' database handler, two limits
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # per account, per address (for reset and admin)
AXES_FAILURE_LIMIT = "partnerportal.lockout.failure_limit"
AXES_COOLOFF_TIME = "partnerportal.lockout.cool_off"
# Both sign-in forms name the e-mail field "username", as do the credentials Django's signals carry.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "partnerportal.lockout.client_username"
AXES_LOCKOUT_CALLABLE = "partnerportal.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that account's failures
AXES_HTTP_RESPONSE_CODE = 429

# Axes first (AxesStandaloneBackend, see partnerportal/lockout.py): it refuses a locked-out sign-in
# before any password is checked.
AUTHENTICATION_BACKENDS = ["partnerportal.lockout.PortalAxesBackend", "membership.backends.PortalBackend"]
# Sessions live in the database, never only in a cache: a session deleted (sign-out, deactivation) is
# gone for every server at once, whatever a cache holds or failed to write (R18). The session's row
# carries its user, so one query reads the session, the user, the roles and the data versions.
SESSION_ENGINE = "membership.sessions"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
FORMAT_MODULE_PATH = ["partnerportal.formats"]  # no date or time format ends with a full stop
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Used by the file e-mail backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Partner Center <no-reply@partner.example>")

# Names shown in the interface; the seed's defaults.
PORTAL_NAME = env("PORTAL_NAME", default="Partner Center")
PROGRAM_NAME = env("PROGRAM_NAME", default="Microsoft Partner Network")
# The public address used for links in e-mails (they are sent from workers, outside any request).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery: Redis when configured, otherwise kombu's filesystem transport so a
# fresh machine needs no broker server.
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker")))
_default_broker = "filesystem://"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=_default_broker))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("out", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Modules with tasks outside an app's tasks.py (autodiscovery only imports tasks.py).
CELERY_IMPORTS = ["billing.reconciliation", "offers.emails", "support.emails"]
# The sweep selects what is due *today*, so it runs every hour, on the hour: the first run of a day
# enqueues the day's work, and each later one enqueues again only what is still due. That is what
# re-sends a renewal whose message the broker lost (a worker killed between Redis handing it over and
# recording it as unacknowledged, a window the visibility timeout does not cover) the same day, and
# what retries a renewal the payment service was down for. Running again is a no-op for everything
# already done (each action's state guard). SUBSCRIPTION_SWEEP_EVERY_MINUTES=n runs it every n
# minutes instead (bench/soak.py: the sweep runs while the portal is under load).
SUBSCRIPTION_SWEEP_EVERY_MINUTES = env.int("SUBSCRIPTION_SWEEP_EVERY_MINUTES", default=0)
# Only one beat runs. Every task below is safe to run twice: the services' guards and
# unique constraints make a repeated run a no-op.
# How long the claim of an e-mailed event (partnerportal.models.SentEmail) is kept: far longer than
# any retry, redelivery or webhook replay, which is all the claim guards against.
SENT_EMAIL_RETENTION_DAYS = env.int("SENT_EMAIL_RETENTION_DAYS", default=400)
CELERY_BEAT_SCHEDULE = {
    "hourly-subscription-sweep": {
        "task": "offers.tasks.sweep_subscriptions",
        "schedule": crontab(minute="*/%d" % SUBSCRIPTION_SWEEP_EVERY_MINUTES)
        if SUBSCRIPTION_SWEEP_EVERY_MINUTES
        else crontab(minute=0),
    },
    "daily-azure-credit-grant": {
        "task": "offers.tasks.grant_monthly_credits",
        "schedule": crontab(hour=1, minute=0),
    },
    "daily-competency-expiry": {
        "task": "membership.tasks.expire_competencies",
        "schedule": crontab(hour=1, minute=30),
    },
    "daily-expired-session-removal": {
        "task": "membership.tasks.remove_expired_sessions",
        "schedule": crontab(hour=4, minute=0),
    },
    "nightly-payment-reconciliation": {
        "task": "billing.reconciliation.reconcile_payments",
        "schedule": crontab(hour=3, minute=0),
    },
    "daily-sent-email-pruning": {
        "task": "partnerportal.tasks.prune_sent_emails",
        "schedule": crontab(hour=4, minute=30),
    },
    # A warning is due at 80 % of a target, which may fall at any minute of business hours.
    "sla-warnings": {
        "task": "support.tasks.sla_warnings_send",
        "schedule": crontab(minute="*/5"),
    },
}

# Stripe: localstripe on 127.0.0.1 in dev and tests, real Stripe in production.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="http://127.0.0.1:8420/js.stripe.com/v3/")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=10)
# A 429 (Stripe's rate limit: 25 requests/s in test mode, 100 live) or a 5xx is sent again by the
# gateway, with the same idempotency key, up to STRIPE_RETRIES times, waiting 0.25, 0.5, 1, 2, 4, 4…
# seconds (each jittered to half to all of its step): at most about 20 s in all, well inside a
# task's soft time limit. After that the call is "unavailable": nothing recorded as declined.
STRIPE_RETRIES = env.int("STRIPE_RETRIES", default=8)
STRIPE_RETRY_BASE_SECONDS = env.float("STRIPE_RETRY_BASE_SECONDS", default=0.25)
STRIPE_RETRY_MAX_DELAY_SECONDS = env.float("STRIPE_RETRY_MAX_DELAY_SECONDS", default=4.0)
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default="billing.gateways.stripe_gateway.StripeGateway")

# Subscription rules (product.md R8–R10).
RENEWAL_WINDOW_DAYS_BEFORE = env.int("RENEWAL_WINDOW_DAYS_BEFORE", default=30)
RENEWAL_WINDOW_DAYS_AFTER = env.int("RENEWAL_WINDOW_DAYS_AFTER", default=30)
RENEWAL_RETRY_DAYS = [1, 3, 7]
REFUND_FULL_WITHIN_DAYS = 30
# Four eyes on large refunds (product.md R23): a refund above this many minor units of the charge's
# currency (400.00) goes out only once a second, different member of finance staff approves it.
REFUND_SECOND_APPROVAL_ABOVE = env.int("REFUND_SECOND_APPROVAL_ABOVE", default=40000)

# Service levels of service requests (product.md R22). The staff's business hours, in their time
# zone (the seller is in Dublin): Monday to Friday, 09:00-18:00, without the public holidays of
# SLA_HOLIDAYS_COUNTRY (the `holidays` library; ISO 3166 code, optional subdivision) and the dates of
# SLA_EXTRA_HOLIDAYS ("2026-12-24", ...). A business day is therefore 9 business hours.
STAFF_TIME_ZONE = env("STAFF_TIME_ZONE", default="Europe/Dublin")
SLA_BUSINESS_WEEKDAYS = [0, 1, 2, 3, 4]  # Monday = 0
SLA_BUSINESS_HOURS = ("09:00", "18:00")
SLA_HOLIDAYS_COUNTRY = env("SLA_HOLIDAYS_COUNTRY", default="IE")
SLA_HOLIDAYS_SUBDIVISION = env("SLA_HOLIDAYS_SUBDIVISION", default="")
SLA_EXTRA_HOLIDAYS = env.list("SLA_EXTRA_HOLIDAYS", default=[])
# Targets per severity in business minutes. Severity A is critical, B moderate, C minimal. First
# response: A 1 business hour, B 4, C 1 business day. Resolution: A 1 business day, B 3, C 5.
SLA_TARGETS = {
    "critical": {"first_response": 60, "resolution": 9 * 60},
    "moderate": {"first_response": 4 * 60, "resolution": 3 * 9 * 60},
    "minimal": {"first_response": 9 * 60, "resolution": 5 * 9 * 60},
}
# The assignee (or, unassigned, every staff member who works the queue) is told once at this share.
SLA_WARNING_SHARE = 0.8

# The seller on invoices and credit notes (R15); each document keeps a copy as it was that day.
SELLER_NAME = env("SELLER_NAME", default="Partner Center Demo Ltd.")
SELLER_ADDRESS = env("SELLER_ADDRESS", default="1 Example Street\nDublin D02 X285\nIreland")
SELLER_TAX_ID = env("SELLER_TAX_ID", default="IE6388047V")
# ISO 3166-1 alpha-2 of the seller's country: R19's "buyer in the seller's country" (billing.tax).
SELLER_COUNTRY = env("SELLER_COUNTRY", default="IE")
# R19: the currencies a partner may choose for its billing profile (an offer has a price in each);
# the profile's currency is fixed at the first purchase (billing.services.profile).
BILLING_CURRENCIES = env.list("BILLING_CURRENCIES", default=["USD", "EUR", "RUB"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every line a second time.
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint and fontTools narrate every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
