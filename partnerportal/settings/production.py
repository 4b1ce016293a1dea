"""Production: every secret comes from the environment and has no default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

DEBUG = False
# One connection per worker kept between requests; CONN_HEALTH_CHECKS (base) replaces one that a
# database restart cut before it is used.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
SECRET_KEY = env("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("dev-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random value of at least 50 characters.")

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
if not STRIPE_SECRET_KEY.startswith(("sk_live_", "sk_test_")) or "localstripe" in STRIPE_SECRET_KEY:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a real Stripe secret key.")
if not STRIPE_PUBLISHABLE_KEY.startswith(("pk_live_", "pk_test_")) or "localstripe" in STRIPE_PUBLISHABLE_KEY:
    raise ImproperlyConfigured("STRIPE_PUBLISHABLE_KEY must be a real Stripe publishable key.")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="https://js.stripe.com/v3/")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
