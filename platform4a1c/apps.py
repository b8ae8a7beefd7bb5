from django.apps import AppConfig


class Platform4a1cConfig(AppConfig):
    """The project package as an app: it sits above every layer and holds the demo."""

    name = "platform4a1c"
    verbose_name = "4A+1C"
