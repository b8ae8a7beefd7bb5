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


# --- bulk data in and out: firm records, imports ------------------------------------
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


# --- publications, reports, consent, subscriptions ---------------------------
class Category(models.TextChoices):
    """What a publication is about. Each category belongs to one module (``CATEGORY_MODULE``)
    and may be published by some kinds of agent (``PUBLISHER_KINDS``)."""

    # government module
    POLICY = "policy", _("Policy")
    STATISTICS = "statistics", _("Statistics")
    MEETING_MINUTES = "meeting_minutes", _("Meeting minutes")
    SUPPORT_PROGRAMME = "support_programme", _("Support programme")
    # enterprise module
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    TAX_PAID = "tax_paid", _("Tax paid")
    SOCIAL_INSURANCE = "social_insurance", _("Social-insurance headcount")
    ORDERS_CAPACITY = "orders_capacity", _("Orders and capacity")
    CERTIFICATIONS = "certifications", _("Certifications")
    MAJOR_EVENTS = "major_events", _("Major events")
    CREDIT_RATING = "credit_rating", _("Credit rating")
    # institution module
    PRODUCTS = "products", _("Products")
    RATES = "rates", _("Rates")
    LENDING_VOLUME = "lending_volume", _("Lending volume to the cluster")
    # investor module
    INVESTMENT_INTENTION = "investment_intention", _("Investment intentions")
    # investment module
    FINANCING_NEED = "financing_need", _("Financing need")
    INVESTMENT_OFFER = "investment_offer", _("Investment offer")
    INVESTMENT_RESULT = "investment_result", _("Investment result")
    # inter-agent business module
    BUSINESS_RECORD = "business_record", _("Business record")
    LOAN_DISCLOSURE = "loan_disclosure", _("Loan records disclosure")
    PLATFORM_DISCLOSURE = "platform_disclosure", _("Monthly platform disclosure")
    SANCTION = "sanction", _("Rewards and penalties")


M = InfoModule
C = Category
CATEGORY_MODULE: dict[str, str] = {
    C.POLICY: M.GOVERNMENT, C.STATISTICS: M.GOVERNMENT, C.MEETING_MINUTES: M.GOVERNMENT,
    C.SUPPORT_PROGRAMME: M.GOVERNMENT,
    C.FINANCIAL_STATEMENTS: M.ENTERPRISE, C.TAX_PAID: M.ENTERPRISE, C.SOCIAL_INSURANCE: M.ENTERPRISE,
    C.ORDERS_CAPACITY: M.ENTERPRISE, C.CERTIFICATIONS: M.ENTERPRISE, C.MAJOR_EVENTS: M.ENTERPRISE,
    C.CREDIT_RATING: M.ENTERPRISE,
    C.PRODUCTS: M.INSTITUTION, C.RATES: M.INSTITUTION, C.LENDING_VOLUME: M.INSTITUTION,
    C.INVESTMENT_INTENTION: M.INVESTOR,
    C.FINANCING_NEED: M.INVESTMENT, C.INVESTMENT_OFFER: M.INVESTMENT, C.INVESTMENT_RESULT: M.INVESTMENT,
    C.BUSINESS_RECORD: M.BUSINESS, C.LOAN_DISCLOSURE: M.BUSINESS, C.PLATFORM_DISCLOSURE: M.BUSINESS,
    C.SANCTION: M.BUSINESS,
}

# Which kinds of agent publish which categories about themselves (pages offer only these).
PUBLISHER_KINDS: dict[str, tuple[str, ...]] = {
    C.POLICY: ("government",), C.STATISTICS: ("government",), C.MEETING_MINUTES: ("government",),
    C.SUPPORT_PROGRAMME: ("government",),
    C.FINANCIAL_STATEMENTS: ("enterprise",), C.TAX_PAID: ("enterprise",), C.SOCIAL_INSURANCE: ("enterprise",),
    C.ORDERS_CAPACITY: ("enterprise",), C.CERTIFICATIONS: ("enterprise",), C.MAJOR_EVENTS: ("enterprise",),
    # a member's credit rating is published by the finance company that rates it (module 3)
    C.CREDIT_RATING: ("finance_company",),
    C.PRODUCTS: ("institution", "finance_company"), C.RATES: ("institution", "finance_company"),
    C.LENDING_VOLUME: ("institution", "finance_company"),
    C.INVESTMENT_INTENTION: ("investor",),
    C.FINANCING_NEED: ("enterprise", "finance_company"), C.INVESTMENT_OFFER: ("investor", "institution"),
    C.INVESTMENT_RESULT: ("investor", "enterprise", "finance_company"),
    C.BUSINESS_RECORD: ("enterprise", "institution", "investor", "finance_company", "government"),
    C.LOAN_DISCLOSURE: ("finance_company",), C.PLATFORM_DISCLOSURE: ("finance_company",),
    C.SANCTION: ("finance_company", "government"),
}

# What the centre expects each kind of agent to keep published (completeness, asymmetry figures).
EXPECTED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "enterprise": (C.FINANCIAL_STATEMENTS, C.TAX_PAID, C.SOCIAL_INSURANCE, C.ORDERS_CAPACITY,
                   C.CERTIFICATIONS, C.MAJOR_EVENTS),
    "institution": (C.PRODUCTS, C.RATES, C.LENDING_VOLUME),
    "government": (C.POLICY, C.STATISTICS, C.MEETING_MINUTES),
    "investor": (C.INVESTMENT_INTENTION,),
    "finance_company": (C.LOAN_DISCLOSURE, C.PLATFORM_DISCLOSURE, C.PRODUCTS),
}


def categories_of(module: str) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Category.choices if CATEGORY_MODULE[value] == module]


def categories_for_kind(kind: str) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Category.choices if kind in PUBLISHER_KINDS[value]]


class Visibility(models.TextChoices):
    """Who may read a publication besides its subject (and, for supervision, the government
    of the subject's region)."""

    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Platform members")
    KINDS = "kinds", _("Given kinds of agent")
    GOVERNMENT = "government", _("Government only")
    CONSENT = "consent", _("Parties the subject has consented to")


# Visibilities whose reading by someone other than the subject is written to the access log.
CONFIDENTIAL = (Visibility.GOVERNMENT, Visibility.CONSENT)


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class ReportType(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")


class ReportCategory(models.TextChoices):
    """What a report about another agent is about (the paper's information about others)."""

    LATE_PAYMENT = "late_payment", _("Late payment")
    GOOD_RELATIONSHIP = "good_relationship", _("Good relationship")
    QUALITY_DISPUTE = "quality_dispute", _("Quality dispute")
    RELIABLE_DELIVERY = "reliable_delivery", _("Reliable delivery")
    TAX_ARREAR = "tax_arrear", _("Tax arrear")
    AWARD = "award", _("Award")
    OTHER = "other", _("Other")


# The type a category suggests (the form pre-selects it; the reporter may change it).
REPORT_CATEGORY_TYPE = {
    ReportCategory.LATE_PAYMENT: ReportType.NEGATIVE, ReportCategory.GOOD_RELATIONSHIP: ReportType.POSITIVE,
    ReportCategory.QUALITY_DISPUTE: ReportType.NEGATIVE, ReportCategory.RELIABLE_DELIVERY: ReportType.POSITIVE,
    ReportCategory.TAX_ARREAR: ReportType.NEGATIVE, ReportCategory.AWARD: ReportType.POSITIVE,
    ReportCategory.OTHER: ReportType.NEUTRAL,
}


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")
    REJECTED = "rejected", _("Rejected")


class ConsentState(models.TextChoices):
    """Derived from the dates and the revocation; not stored."""

    PENDING = "pending", _("Not yet started")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class AccessBasis(models.TextChoices):
    """Why someone other than the subject could read its confidential data."""

    CONSENT = "consent", _("Consent")
    FINANCE_COMPANY = "finance_company", _("Cluster finance company")
    GOVERNMENT = "government", _("Government supervision")
    KIND = "kind", _("Agent kind")
    ADMIN = "admin", _("Platform administrator")


class SubscriptionTarget(models.TextChoices):
    MODULE = "module", _("Module")
    AGENT = "agent", _("Agent")
    CATEGORY = "category", _("Category")
