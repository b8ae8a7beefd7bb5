from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionType(models.TextChoices):
    BANK = "bank", _("商业银行 Bank")
    RURAL_CREDIT_COOP = "rural_credit_coop", _("农村信用合作社 Rural credit co-operative")
    VILLAGE_BANK = "village_bank", _("村镇银行 Village bank")
    MICROCREDIT = "microcredit", _("小额贷款公司 Microcredit company")
    GUARANTEE = "guarantee", _("融资担保公司 Guarantee company")
    OTHER = "other", _("其他 Other")

