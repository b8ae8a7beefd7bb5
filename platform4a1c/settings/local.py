"""The embedded default: SQLite, kombu filesystem broker, a real worker and beat. No
variables needed (`make demo`)."""

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-demo-key-only-for-local-use-4a1c")  # noqa: S105
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
