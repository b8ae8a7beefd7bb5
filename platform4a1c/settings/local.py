"""The embedded default: SQLite, kombu filesystem broker, a real worker and beat. No
variables needed (`make demo`)."""

from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-demo-key-only-for-local-use-4a1c")  # noqa: S105
# The demo writes e-mails (notifications, password resets) to files in var/mail/ instead of the
# terminal, so `make demo` stays readable; open them to follow a password-reset link.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
