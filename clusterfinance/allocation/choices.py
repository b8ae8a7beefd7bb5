from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved, awaiting execution")
    REJECTED = "rejected", _("Rejected")
    EXECUTED = "executed", _("Executed (loans disbursed)")
