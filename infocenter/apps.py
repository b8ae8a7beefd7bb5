from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfoCenterConfig(AppConfig):
    name = "infocenter"
    verbose_name = _("Central information platform (1C)")
