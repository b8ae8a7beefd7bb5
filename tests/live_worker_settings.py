"""Settings of a real Celery worker started by a live test or benchmark (``tests.live_worker``):
the test settings, but tasks go through the broker named in CELERY_BROKER_URL (Redis) instead of
running eagerly, and the database is the one in DATABASE_URL (the test's own database)."""

import os

from platform4a1c.settings.test import *  # noqa: F401,F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
