"""Settings for the test suite: the real settings with a test secret and plain HTTP."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests sign in with Client.login(), which passes no request to authenticate(): the lockout is switched on
# only in the tests about it (tests/test_lockout.py).
AXES_ENABLED = False
# The API fuzzing makes thousands of calls with one token: the rate limit is tested on its own, with its own
# rate (tests/test_lockout.py).
API_TOKEN_RATE = "1000000/minute"
# Two-factor sign-in is switched on only in the tests about it (tests/test_two_factor.py).
CDI_TWO_FACTOR_REQUIRED = False
# Jobs run in the request in tests; tests/test_import_worker.py runs the database backend and a real worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # noqa: F405
