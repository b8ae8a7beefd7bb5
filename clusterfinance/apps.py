from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClusterFinanceConfig(AppConfig):
    name = "clusterfinance"
    verbose_name = _("Cluster and finance company")
