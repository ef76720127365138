"""Settings for the test suite: production settings with a throwaway key."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")

from config.settings import *  # noqa: F403
from config.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing for tests only

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not the default shared-cache memory database: threads of one test (the concurrency tests, the
    # browser tests' live server) then wait on each other's write lock for the busy timeout, as in production,
    # instead of failing at once with "database table is locked".
    # One file per test process, so two runs side by side never share (or break) each other's database.
    default = Path(tempfile.gettempdir()) / f"vbp-test-{os.getpid()}.sqlite3"
    test_database = Path(os.environ.get("VBP_TEST_SQLITE_PATH", default))
    test_database.parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(test_database)}

# Order lines of procurement monitoring: never into the project's var/data, whatever loads them (a module's demo
# fixture runs before the per-test folder of tests/conftest.py is set).
VBP_DATA_ROOT = Path(tempfile.mkdtemp(prefix="vbp-test-data-"))
atexit.register(shutil.rmtree, VBP_DATA_ROOT, ignore_errors=True)
