"""Settings, read from the environment (see .env.example for every variable).

Development defaults run the whole app on SQLite with no configuration; setting
``DJANGO_ENV=production`` makes a missing secret, host list or MFA encryption key fail at start.
"""

import os
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.oidc_settings import openid_connect_providers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_ENV=production")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # French full-text search and unaccent (referential/search.py); inert on SQLite
    "widget_tweaks",
    "dsfr",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "core",
    "referential",
    "consultation",
    "workshops",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "notifications",
    "legal",
    "assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Outside LocaleMiddleware, so that it sees the page's Content-Language: French pages typeset.
    "core.typography.FrenchTypographyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # An editor without a second factor sets one up before any other page (accounts/mfa.py).
    "accounts.mfa.RequireSecondFactorForEditors",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "core.context_processors.roles",
                "accounts.context_processors.allauth_pages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
# A transaction pooler in front of PostgreSQL (PgBouncer in transaction mode) hands each transaction
# another server session: no server-side cursor, no prepared statement (core.prepared) may outlive one.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_TRANSACTION_POOLER", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite lets one writer in at a time: a writer waits up to 20 s for the lock instead of
    # failing at once with "database is locked" when contributors comment together.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web process: the limits on e-mail endpoints and sign-ins count in it
# (ACCOUNT_RATE_LIMITS below, accounts/ratelimit.py). Redis when REDIS_URL is set, else a table of the database (created by
# `migrate`), never a process's own memory.
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:account"
# Every authenticate() — the site's login page, /admin/ and the API token — is throttled against
# guessing, and accepts the e-mail address as well as the username (see accounts/throttle.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ThrottledModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Sign-in with an OpenID Connect identity provider (allauth.socialaccount) -------------------
# One provider, configured by environment: the agency's identity provider for its staff (Pro Santé
# Connect is OpenID Connect too). DJANGO_OIDC_SERVER_URL is its issuer; empty (the default): no
# provider, the login page shows no button. The client registered at the provider must allow the
# redirect URI <site>/compte/connexion-externe/<DJANGO_OIDC_PROVIDER_ID>/retour/ (the URL named
# "openid_connect_callback"). Tests point it elsewhere with override_settings(SOCIALACCOUNT_PROVIDERS=…).
SOCIALACCOUNT_PROVIDERS = openid_connect_providers(
    server_url=env_str("DJANGO_OIDC_SERVER_URL", "") or "",
    client_id=env_str("DJANGO_OIDC_CLIENT_ID", "") or "",
    secret=env_str("DJANGO_OIDC_CLIENT_SECRET", "") or "",
    # The button reads "Se connecter avec <name>".
    name=env_str("DJANGO_OIDC_NAME", "Agence du numérique en santé") or "Agence du numérique en santé",
    # In the paths and in the linked accounts (SocialAccount.provider): do not change it once used.
    provider_id=env_str("DJANGO_OIDC_PROVIDER_ID", "ans") or "ans",
    # "client_secret_basic" or "client_secret_post" when the provider accepts only one; empty: allauth
    # picks from the provider's discovery document.
    token_auth_method=env_str("DJANGO_OIDC_TOKEN_AUTH_METHOD", "") or "",
)
# A provider's identity is mapped to an existing account by e-mail, and only when both sides verified
# the address: the provider asserts email_verified=true and the local address is verified
# (accounts/social_adapter.py). The account is then linked (a SocialAccount row), so the next sign-in
# goes by the provider's subject, not the address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Nobody gets an account through the provider: an identity matching no account is refused with a
# message on the login page ("créez d'abord un compte") — sign-up keeps its organisation fields and
# approval. The adapter enforces it; allauth's own sign-up form is never reached.
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_ADAPTER = "accounts.social_adapter.SocialAccountAdapter"
# The provider login starts with a POST (the button posts a form with its CSRF token), never a GET
# that a third-party page could trigger.
SOCIALACCOUNT_LOGIN_ON_GET = False
# Absolute callback URLs sent to the provider are https in production.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# ------------------------------------------------------------------------------------------------
# Multi-factor authentication (allauth.mfa). Everyone may add a second factor from "Mon compte";
# editors must (accounts/mfa.py sends an editor without a TOTP app or security key to set one up
# before any other page, the admin included). Recovery codes come with the first factor.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# The name authenticator apps show next to the six-digit code.
MFA_TOTP_ISSUER = "Référentiels MSSanté"
# A passkey (a security key added as "sans mot de passe") signs in on its own: it is both factors.
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn wants HTTPS; outside production (development, tests) http://localhost is accepted too.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# The pages of MFA_SUPPORTED_TYPES are at /compte/double-authentification/ (accounts/mfa_urls.py).
# The TOTP secrets and recovery codes' seeds are stored encrypted (Fernet) in Authenticator.data
# (accounts/mfa_secrets.py), so a database dump gives nobody a second factor. The keys: Fernet keys,
# comma-separated, the first encrypts, all decrypt (rotation: put the new one first, run
# `manage.py rotate_mfa_secrets`, then drop the old). Required in production; in development a key
# is derived from SECRET_KEY. Generate one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_ENCRYPTION_KEYS = env_list("DJANGO_MFA_ENCRYPTION_KEY", [])
if PRODUCTION and not MFA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("DJANGO_MFA_ENCRYPTION_KEY is required when DJANGO_ENV=production")
for _position, _key in enumerate(MFA_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:  # binascii.Error included
        raise ImproperlyConfigured(
            f"DJANGO_MFA_ENCRYPTION_KEY: key {_position} is no Fernet key (32 url-safe base64-encoded bytes; "
            'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        ) from None

# Proxies in front of the web processes (load balancer…): the login throttle then reads the
# client's address from X-Forwarded-For, that many hops from the right. 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# allauth reads the same count for its rate limits and the sessions list (the adapter reads the
# address through accounts.throttle.client_ip anyway, which falls back to REMOTE_ADDR instead of
# failing on a short X-Forwarded-For). No header is trusted to carry the client's address.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None

# django-allauth carries sign-up, e-mail confirmation, sign-in, password reset and change, the
# sessions list (accounts/adapter.py adapts it: mails through core.mail with links to SITE_URL,
# sign-in throttled per account). Editors sign in with their username, contributors with their
# address. Verification is mandatory — with enumeration prevention, the only way allauth answers a
# sign-up with a known address as it answers a new one — but the adapter's login stage lets in
# accounts without membership (editors, staff): only contributors must confirm, and
# Membership.refusal() still keeps an unconfirmed or pending member from writing.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_FORMS = {
    "login": "accounts.allauth_forms.LoginForm",
    "signup": "accounts.allauth_forms.SignupForm",
    "add_email": "accounts.allauth_forms.AddEmailForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Confirmation by POST: a mail scanner following the link confirms nothing.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# Same answer whether an address has an account or not; the owner of an existing one gets a mail.
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing (nobody asked us to write to it).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_REDIRECT_URL = "referential:home"
# Sessions last SESSION_COOKIE_AGE, as before allauth (no "remember me" box).
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
# Rate limits, counted in the shared cache (CACHES above: every web process sees the same counts).
# "amount/period/what": per address ("key"), per IP ("ip"), per signed-in user ("user"). An address
# gets a handful of mails an hour; an IP (an office behind one NAT) a few dozen. Failed sign-ins: 5
# per account (the adapter counts e-mail and username of one account together) and 20 per IP in
# 15 minutes, as accounts.throttle does for the admin and the API token endpoint.
ACCOUNT_RATE_LIMITS = {
    "reset_password": "20/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "10/h/ip",
    "confirm_email": "1/m/key,3/h/key",
    "login": "30/m/ip",
    "login_failed": "20/15m/ip,5/15m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# An API token stops working this many days after it was issued (a 401 says so); changing or
# resetting the password revokes it at once (accounts/receivers.py).
API_TOKEN_MAX_AGE_DAYS = env_int("DJANGO_API_TOKEN_MAX_AGE_DAYS", 90)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic's target, served by WhiteNoise in production. Development serves files from the
# apps directly (WHITENOISE_USE_FINDERS below), so no folder is needed there.
_static_root = env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles") if PRODUCTION else None)
STATIC_ROOT = Path(_static_root) if _static_root else None
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# A version's PDF of at least PDF_PARTS_MIN_REQUIREMENTS requirements is laid out in parts, one per
# worker process: PDF_PROCESSES of them (0: one per core; 1: never in parts), more if a part would hold
# over PDF_PART_MAX_REQUIREMENTS (a process's memory grows with its part), and assembled into the
# same document (core/pdf_parts.py).
PDF_PROCESSES = env_int("DJANGO_PDF_PROCESSES", 0)
PDF_PARTS_MIN_REQUIREMENTS = env_int("DJANGO_PDF_PARTS_MIN_REQUIREMENTS", 300)
PDF_PART_MAX_REQUIREMENTS = env_int("DJANGO_PDF_PART_MAX_REQUIREMENTS", 500)
# Stored files (version PDFs, documents, attestations, evidence, imports): the local disk by default;
# DJANGO_STORAGE=s3 puts them on S3-compatible object storage (django-storages), so several web
# processes share them without a shared disk. Its settings come from the usual variables.
DJANGO_STORAGE = env_str("DJANGO_STORAGE", "filesystem")
if DJANGO_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID", ""),
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY", ""),
            "location": env_str("AWS_LOCATION", ""),
            # Nothing stored is public: every file goes through a permission-checked view.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif DJANGO_STORAGE == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"DJANGO_STORAGE must be 'filesystem' or 's3', not {DJANGO_STORAGE!r}")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Development serves static files straight from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "referentiels@esante.gouv.fr")
# Absolute address of the site, for links in e-mails.
SITE_URL = env_str("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Publication of a version waits for an approval by an editor other than the one who submitted it.
REFERENTIAL_PUBLICATION_REQUIRES_APPROVAL = env_bool("DJANGO_PUBLICATION_REQUIRES_APPROVAL", True)

# Background tasks run inline by default; production sets the database backend and
# runs `manage.py db_worker`.
TASKS = {"default": {"BACKEND": env_str("DJANGO_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}
# A running background task whose worker died (or that runs longer than this) is abandoned: it is
# queued again, at most BACKGROUND_MAX_ATTEMPTS runs in all, then left failed (core.background).
BACKGROUND_STALL_SECONDS = env_int("DJANGO_TASK_STALL_SECONDS", 1800)
BACKGROUND_MAX_ATTEMPTS = env_int("DJANGO_TASK_MAX_ATTEMPTS", 3)
# Webhooks may only call public Internet addresses; turn on to allow private, loopback and
# link-local ones (an intranet tool, or tests).
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("DJANGO_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    # HTTPS only, on by default; a TLS proxy that already redirects may turn the redirect off.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp) on every page: scripts from our own static files or carrying the
# request's nonce, no inline handlers, nothing from another origin; the API docs are served locally
# (drf-spectacular-sidecar). Permissions-Policy: the pages use no device feature.
from csp.constants import NONCE  # noqa: E402  (the nonce marker django-csp fills per request)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), fullscreen=(self)"

REST_FRAMEWORK = {
    # Token first: an anonymous or bad-token call is then a 401 with ``WWW-Authenticate: Token``.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_bounds.BoundedPagination",
    "DEFAULT_PARSER_CLASSES": [
        "core.api_bounds.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API des référentiels MSSanté",
    "DESCRIPTION": "Référentiels d'exigences, versions, concertations et ateliers de l'ANS.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the project's own static files: no CDN, works offline, fits the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api_schema.add_common_errors"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or a "status": each choice set gets its own, stable name.
    "ENUM_NAME_OVERRIDES": {
        "CommentKindEnum": "consultation.models.Comment.Kind",
        "CommentStatusEnum": "consultation.models.Comment.Status",
        "AnswerDecisionEnum": "consultation.models.Answer.Decision",
        "StatusEnum": "referential.models.ReferentialVersion.Status",
        "AssessmentStatusEnum": "assessment.models.Assessment.Status",
        "AssessmentResultEnum": "assessment.models.Result",
        "VerdictEnum": "assessment.models.Submission.Verdict",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every layout step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
