"""Settings for the test suite: production settings with a throwaway key."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing for tests only
