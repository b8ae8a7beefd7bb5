from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfoCenterConfig(AppConfig):
    name = "infocenter"
    verbose_name = _("Central information platform (1C)")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from . import event_kinds  # noqa: F401  (the centre's own kinds)
        from .handlers import register_builtin

        # Every app declares the event kinds it owns (and whether they re-score their subject)
        # in its ``events`` module; importing them all here — as the admin discovers
        # ``admin`` modules — completes the declarations before any event is dispatched,
        # without the centre naming an upper layer.
        autodiscover_modules("events")
        # The centre's own event handlers (notifications, government alerts, the re-scoring
        # hook); upper layers register theirs in their own AppConfig.ready().
        register_builtin()
