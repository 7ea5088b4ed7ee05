"""Django settings of the test OpenID Provider (PyPI django-oidc-provider, run unchanged).

Everything that differs between runs comes from the environment that oidc-provider.sh sets:
OIDC_OP_DIR (its database and secret), OIDC_OP_SITE_URL (http://127.0.0.1:PORT) and
OIDC_OP_IDTOKEN_EXPIRE (ID-token lifetime in seconds).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
STATE = os.environ["OIDC_OP_DIR"]

with open(os.path.join(STATE, "django-secret")) as f:
    SECRET_KEY = f.read().strip()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [os.path.join(HERE, "templates")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(STATE, "op.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
# Cheap password hashing: these are throw-away test accounts.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SITE_URL = os.environ["OIDC_OP_SITE_URL"]
OIDC_IDTOKEN_EXPIRE = int(os.environ.get("OIDC_OP_IDTOKEN_EXPIRE", "600"))
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
# The claims SessionVault maps: the user name and the user's groups (as Entra ID's `groups`).
OIDC_IDTOKEN_PROCESSING_HOOK = "hooks.add_staff_claims"
