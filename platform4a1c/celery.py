"""Celery application. The broker is Redis in production and kombu's filesystem transport
in the embedded default, so the same worker and beat run in a demo (DESIGN.md §2)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform4a1c.settings.local")

app = Celery("platform4a1c")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules that are not an app's top-level ``tasks`` module.
app.autodiscover_tasks(["infocenter.imports"])
