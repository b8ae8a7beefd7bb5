"""The rules of the government's compliance monitor: each reads the region set-based (grouped
queries, never a loop over loans or firms) and returns its findings — the breaches that hold
now. ``services_compliance.compliance_check`` turns findings into alerts.

A finding: ``rule``, ``subject_key`` (what it is about, stable between checks), ``subject_label``,
``subject_agent_id``, ``measured``, ``threshold``, ``unit`` and ``details``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.choices import AgentKind
from agents.industries import industry_name
from agents.models import Agent
from agents.money import ZERO, money_sum, quantize, ratio
from agents.oversight import finding_sources
from infocenter.choices import ReportType, Verification
from infocenter.models import Report
from lending.choices import LoanStatus
from lending.ledger.models import LedgerAlert
from lending.models import Loan

from .models_oversight import ComplianceRule, ComplianceSettings, MeasureUnit
from .selectors_oversight import prefix_of, region_book, sme_share

R = ComplianceRule
HALF = Decimal("0.5000")


def _finding(rule, *, key, label, measured, threshold, unit, agent_id=None, **details) -> dict:
    return {"rule": str(rule), "subject_key": str(key)[:200], "subject_label": str(label)[:300],
            "subject_agent_id": agent_id, "measured": Decimal(measured), "threshold": Decimal(threshold),
            "unit": str(unit), "details": {k: str(v) if isinstance(v, Decimal) else v for k, v in details.items()}}


def settings_for(government: Agent) -> ComplianceSettings:
    """The government's thresholds (unsaved defaults when it never set any)."""
    return ComplianceSettings.objects.filter(government=government).first() or ComplianceSettings(government=government)


def caps_for(government: Agent):
    """The caps on private lending the government set (lending's ``PrivateLendingCaps``), or the
    defaults."""
    from lending.models import PrivateLendingCaps

    return PrivateLendingCaps.objects.filter(government=government).first() \
        or PrivateLendingCaps(government=government)


def natural_person_q(prefix: str = "") -> Q:
    """Borrowers who are natural persons: an individual business (个体工商户), whose unified
    social credit code starts with 92 (as ``lending.services.private_lending.is_natural_person``)."""
    return Q(**{f"{prefix}credit_code__startswith": "92"})


def rule_sme(government: Agent) -> list[dict]:
    """At least half of the external institutions small or medium, by count and by the
    outstanding they lend to the region's borrowers."""
    sme = sme_share(government)
    found = []
    if not sme.count_ok:
        found.append(_finding(R.SME_INSTITUTIONS_COUNT, key="region", label=_("Institutions of the region"),
                              measured=sme.count_share, threshold=HALF, unit=MeasureUnit.SHARE,
                              institutions=sme.institutions, small_medium=sme.small_medium))
    if not sme.volume_ok:
        found.append(_finding(R.SME_INSTITUTIONS_VOLUME, key="region", label=_("Lending of institutions"),
                              measured=sme.volume_share, threshold=HALF, unit=MeasureUnit.SHARE,
                              volume=sme.volume, small_medium_volume=sme.small_medium_volume))
    return found


def _private_active(government: Agent):
    return region_book(government).filter(status=LoanStatus.ACTIVE, lender__kind=AgentKind.INVESTOR)


def rule_private_caps(government: Agent) -> list[dict]:
    """Per borrower: outstanding owed to the platform's private investors above the cap (the
    natural-person cap for individuals); per investor: its whole outstanding lending above the
    per-lender cap (investors that lend to the region's borrowers). Two grouped queries."""
    caps = caps_for(government)
    person = natural_person_q("borrower__")
    rows = (_private_active(government).order_by().values("borrower_id", "borrower__name")
            .annotate(owed=money_sum("principal_outstanding"), lenders=Count("lender_id", distinct=True),
                      person=Count("pk", filter=person))
            .filter(Q(person__gt=0, owed__gt=caps.per_natural_person) | Q(person=0, owed__gt=caps.per_firm)))
    found = []
    for row in rows:
        is_person = row["person"] > 0
        found.append(_finding(R.PRIVATE_PERSON_CAP if is_person else R.PRIVATE_FIRM_CAP,
                              key=f"agent:{row['borrower_id']}", label=row["borrower__name"],
                              agent_id=row["borrower_id"], measured=quantize(row["owed"]),
                              threshold=caps.per_natural_person if is_person else caps.per_firm,
                              unit=MeasureUnit.YUAN, investors=row["lenders"]))
    lenders = _private_active(government).values("lender_id")
    rows = (Loan.objects.filter(lender_id__in=lenders, status=LoanStatus.ACTIVE).order_by()
            .values("lender_id", "lender__name").annotate(lent=money_sum("principal_outstanding"),
                                                          borrowers=Count("borrower_id", distinct=True))
            .filter(lent__gt=caps.per_lender))
    for row in rows:
        found.append(_finding(R.PRIVATE_LENDER_CAP, key=f"agent:{row['lender_id']}", label=row["lender__name"],
                              agent_id=row["lender_id"], measured=quantize(row["lent"]), threshold=caps.per_lender,
                              unit=MeasureUnit.YUAN, borrowers=row["borrowers"]))
    return found


def rule_suitability(government: Agent) -> list[dict]:
    """No investor in a product above its suitability level. The levels live with the investor
    portal, which registers a finding source (``agents.oversight``); without one, nothing is
    found."""
    found = []
    for source in finding_sources(R.INVESTOR_SUITABILITY):
        for item in source(prefix_of(government)):
            found.append(_finding(R.INVESTOR_SUITABILITY, key=item["subject_key"], label=item["subject_label"],
                                  agent_id=item.get("subject_agent_id"), measured=item["measured"],
                                  threshold=item["threshold"], unit=MeasureUnit.COUNT, **item.get("details", {})))
    return found


def rule_concentration(government: Agent, settings: ComplianceSettings) -> list[dict]:
    """One member firm, or one industry, owing more than its share of the region's outstanding
    loans to firms (the finance company's funding of its pool is left out: it is the cluster's,
    not one firm's, borrowing). Three queries (the total, then the borrowers and the industries above the line)."""
    active = region_book(government).filter(status=LoanStatus.ACTIVE, borrower__kind=AgentKind.ENTERPRISE)
    total = quantize(active.aggregate(t=money_sum("principal_outstanding"))["t"])
    if not total:
        return []
    found = []
    rows = (active.order_by().values("borrower_id", "borrower__name").annotate(owed=money_sum("principal_outstanding"))
            .filter(owed__gt=quantize(settings.borrower_share * total)))
    for row in rows:
        found.append(_finding(R.BORROWER_CONCENTRATION, key=f"agent:{row['borrower_id']}", label=row["borrower__name"],
                              agent_id=row["borrower_id"], measured=ratio(quantize(row["owed"]), total),
                              threshold=settings.borrower_share, unit=MeasureUnit.SHARE,
                              owed=quantize(row["owed"]), total=total))
    rows = (active.order_by().values("borrower__industry_code").annotate(owed=money_sum("principal_outstanding"))
            .filter(owed__gt=quantize(settings.industry_share * total)))
    for row in rows:
        code = row["borrower__industry_code"] or ""
        found.append(_finding(R.INDUSTRY_CONCENTRATION, key=f"industry:{code or '-'}",
                              label=f"{code} {industry_name(code)}".strip() if code else _("Industry not given"),
                              measured=ratio(quantize(row["owed"]), total), threshold=settings.industry_share,
                              unit=MeasureUnit.SHARE, owed=quantize(row["owed"]), total=total, industry=code))
    return found


def rule_negative_reports(government: Agent, settings: ComplianceSettings, *, now=None) -> list[dict]:
    """Negative reports about the region's agents waiting for verification: too many, or the
    oldest waiting too long. One query."""
    now = now or timezone.now()
    waiting = Report.objects.filter(subject__region_code__startswith=prefix_of(government),
                                    report_type=ReportType.NEGATIVE, status=Verification.UNVERIFIED) \
        .aggregate(n=Count("pk"), oldest=Min("created_at"))
    found = []
    if waiting["n"] >= settings.negative_reports_count:
        found.append(_finding(R.NEGATIVE_REPORTS, key="count", label=_("Unverified negative reports"),
                              measured=waiting["n"], threshold=settings.negative_reports_count,
                              unit=MeasureUnit.COUNT))
    if waiting["oldest"] is not None:
        age = (now - waiting["oldest"]).days
        if age > settings.negative_reports_days:
            found.append(_finding(R.NEGATIVE_REPORTS, key="age", label=_("Oldest unverified negative report"),
                                  measured=age, threshold=settings.negative_reports_days, unit=MeasureUnit.DAYS,
                                  waiting=waiting["n"]))
    return found


def rule_ledger(government: Agent) -> list[dict]:
    """Reconciliation failures of the platform's ledger not yet resolved by the platform's staff
    (the nightly ``ledger_check`` records them; every government supervises the ledger)."""
    rows = list(LedgerAlert.objects.filter(resolved_at__isnull=True).order_by()
                .values_list("kind").annotate(n=Count("pk")))
    n = sum(count for _kind, count in rows)
    if not n:
        return []
    return [_finding(R.LEDGER_RECONCILIATION, key="ledger", label=_("Platform ledger"), measured=n, threshold=0,
                     unit=MeasureUnit.COUNT, kinds=dict(rows))]


def rule_guarantee_circles(government: Agent) -> list[dict]:
    """Circles of firm-to-firm guarantees in the region's clusters whose exposure passes the
    fund's share of their members' equity (the guarantee network's own test). Three queries per
    cluster with a fund."""
    from clusterfinance.guarantees.models import GuaranteeFund
    from clusterfinance.guarantees.selectors import network_view

    found = []
    for fund in GuaranteeFund.objects.filter(cluster__region_code__startswith=prefix_of(government)) \
            .select_related("cluster"):
        view = network_view(fund=fund)
        for circle in view.circles:
            share = circle.exposure_ratio
            if share is None or share <= fund.circle_alert_share:
                continue
            members = sorted(circle.members, key=int)
            names = [view.names.get(m, m) for m in members]
            found.append(_finding(R.GUARANTEE_CIRCLE, key=f"circle:{fund.cluster_id}:{'-'.join(members)}",
                                  label=" → ".join(names), measured=share, threshold=fund.circle_alert_share,
                                  unit=MeasureUnit.SHARE, cluster=fund.cluster.name,
                                  exposure=quantize(circle.exposure), capacity=quantize(circle.capacity or ZERO)))
    return found


def findings(government: Agent, *, now=None) -> list[dict]:
    """Every rule's findings for the government's region."""
    settings = settings_for(government)
    return [*rule_sme(government), *rule_private_caps(government), *rule_suitability(government),
            *rule_concentration(government, settings), *rule_negative_reports(government, settings, now=now),
            *rule_ledger(government), *rule_guarantee_circles(government)]


def rules_with_data() -> dict[str, bool]:
    """Whether each rule has the data it needs (the suitability rule needs a registered source)."""
    return {rule: (rule != R.INVESTOR_SUITABILITY or bool(finding_sources(rule))) for rule in R.values}
