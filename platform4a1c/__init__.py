"""The 4A+1C platform project package: settings, root URLs, Celery app and the demo."""

from .celery import app as celery_app

__all__ = ["celery_app"]
