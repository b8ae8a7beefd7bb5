from django.db import models
from django.utils.translation import gettext_lazy as _


class InfoModule(models.TextChoices):
    """The centre's information modules (DESIGN.md §1, module 1)."""

    GOVERNMENT = "government", _("政府信息 Government")
    ENTERPRISE = "enterprise", _("企业信息 Enterprises")
    INSTITUTION = "institution", _("金融机构信息 Institutions")
    INVESTOR = "investor", _("民间投资者信息 Investors")
    INVESTMENT = "investment", _("投资信息 Investment")
    BUSINESS = "business", _("业务往来信息 Inter-agent business")


# --- bulk data in and out (issue 4): firm records, imports ------------------------------------
class RecordKind(models.TextChoices):
    """The three kinds of periodic firm data the government (and finance company) supply."""

    STATEMENT = "statement", _("财务报表 Financial statement")
    TAX = "tax", _("纳税记录 Tax record")
    SOCIAL_INSURANCE = "social_insurance", _("社保记录 Social-insurance record")


class PeriodType(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class RecordSource(models.TextChoices):
    IMPORT = "import", _("File import")
    API = "api", _("API")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for column mapping")
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking rows")
    SAVING = "saving", _("Saving")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Failed")


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (.xlsx)")
