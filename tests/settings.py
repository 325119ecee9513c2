"""The real settings, plus what only a test run needs. DATABASE_URL picks the database."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")

from project.settings import *  # noqa: F403

# Users are created by the hundred in tests; the default hasher's cost would dominate the run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests do not run collectstatic: let WhiteNoise find files in the apps instead of STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# The browser tests log in through the real form, again and again from one address; the login
# limit's own tests set their quota themselves.
RATE_LIMIT_LOGIN = "1000/minute"

# The RUM indexes of migration 0015 where the server has the extension, so that the tests read
# searches from them too (and, with them dropped, from the GIN indexes: tests/conftest.py).
SEARCH_ORDERED_INDEXES = True

# Webhooks refuse private addresses unless a test allows them itself (`settings` fixture), whatever
# the environment the suite runs in says.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
