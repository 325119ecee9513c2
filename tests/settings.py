"""The real settings, plus what only a test run needs. DATABASE_URL picks the database."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from project.settings import *  # noqa: F403

# Users are created by the hundred in tests; the default hasher's cost would dominate the run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
