"""Test settings: the real settings, with a throwaway key and fast password hashing.

Production defaults (secure cookies, HTTPS redirect) stay on in ``clt.settings``; the test
client and the browser tests talk plain HTTP to a local server, so they are relaxed here only.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)

from clt.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # A conftest fixture points it at each test's own folder.
    "jobs": STORAGES["jobs"],  # noqa: F405
}
WHITENOISE_USE_FINDERS = True
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATIC_ROOT = None  # whitenoise serves from the finders in tests; nothing is collected
