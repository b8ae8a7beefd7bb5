from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfoCenterConfig(AppConfig):
    name = "infocenter"
    verbose_name = _("Central information platform (1C)")

    def ready(self):
        # The centre's own event handlers (notifications, government alerts, the re-scoring
        # hook); upper layers register theirs in their own AppConfig.ready().
        from .handlers import register_builtin

        register_builtin()
