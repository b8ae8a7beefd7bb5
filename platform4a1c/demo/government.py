"""Demo step: the government's oversight — the LPR history (1-year and 5-year values as the
national interbank funding centre published them, the latest in force), the monitor's thresholds
and a check that leaves open alerts (the cluster's one industry carries the region's lending),
alerts back within limits after the threshold was settled (history: raised, then resolved by the
monitor), the two largest borrowers over the settled line (one acknowledged by the supervisor and
assigned to the second officer, one open).
Idempotent: LPR values are found by date, the settling runs once, the checks change nothing the
second time."""

from datetime import date
from decimal import Decimal

from agents.choices import Role
from agents.models import Membership
from portals.government import compliance
from portals.government.models_oversight import (
    AlertAction,
    AlertStatus,
    ComplianceAlert,
    ComplianceAlertEvent,
    ComplianceRule,
    LoanPrimeRate,
)
from portals.government.services_compliance import (
    alert_acknowledge,
    alert_assign,
    compliance_check,
    compliance_settings_set,
    lpr_record,
)

# (effective on, 1-year, 5-year) — the LPR fixings of 2024–2025
LPR_HISTORY = (
    (date(2024, 2, 20), "0.0345", "0.0395"),
    (date(2024, 7, 22), "0.0335", "0.0385"),
    (date(2024, 10, 21), "0.0310", "0.0360"),
    (date(2025, 5, 20), "0.0300", "0.0350"),
)


def seed(world: dict, out) -> None:
    gov, users = world["government"], world["users"]
    officer = users[Role.GOV_SUPERVISOR]
    for on, one, five in LPR_HISTORY:
        for tenor, value in (("1y", one), ("5y", five)):
            if not LoanPrimeRate.objects.filter(government=gov, tenor=tenor, effective_on=on).exists():
                lpr_record(government=gov, user=officer, value=Decimal(value), effective_on=on, tenor=tenor,
                           note="全国银行间同业拆借中心公布")

    settled = ComplianceAlertEvent.objects.filter(alert__government=gov, action=AlertAction.AUTO_RESOLVED).exists()
    if not settled:
        # the borrowers' shares of the region's outstanding, largest first
        probe = compliance.settings_for(gov)
        probe.borrower_share, probe.industry_share = Decimal("0.0001"), Decimal("1")
        shares = sorted((f["measured"] for f in compliance.rule_concentration(gov, probe)), reverse=True)
        if len(shares) >= 4:
            # first a strict line below the fourth largest borrower, then settled between the second and third
            compliance_settings_set(government=gov, user=officer, borrower_share=shares[3] - Decimal("0.0001"),
                                    industry_share=Decimal("0.6"), negative_reports_count=3,
                                    negative_reports_days=30)
            compliance_check(government=gov)
            compliance_settings_set(government=gov, user=officer,
                                    borrower_share=((shares[1] + shares[2]) / 2).quantize(Decimal("0.0001")))
    result = compliance_check(government=gov)

    alerts = ComplianceAlert.objects.filter(government=gov)
    first = alerts.filter(status=AlertStatus.OPEN).order_by("rule", "pk").first()
    if first is not None and not alerts.filter(status=AlertStatus.ACKNOWLEDGED).exists():
        first = alert_acknowledge(alert=first, user=officer, note="已安排核查，约谈相关企业和财务公司。")
        second = Membership.objects.filter(agent=gov, is_active=True).exclude(user=officer).select_related("user") \
            .first()
        if second is not None:
            alert_assign(alert=first, user=officer, owner=second.user, note="请跟进并在月底前报告。")
    counts = {s: alerts.filter(status=s).count() for s in AlertStatus.values}
    circles = alerts.filter(rule=ComplianceRule.GUARANTEE_CIRCLE).exclude(status=AlertStatus.RESOLVED).count()
    out.write(f"  government: {len(LPR_HISTORY)} LPR fixings, alerts {counts['open']} open, "
              f"{counts['acknowledged']} acknowledged, {counts['resolved']} resolved ({circles} circles at risk; "
              f"last check raised {result.raised})")
