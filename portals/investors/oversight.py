"""The investor side of the government's compliance monitor: suitability breaches.

A breach is a holding still held (or in its cooling-off period) whose risk level is above the
investor's suitability level — the level of the investor's latest assessment, or, without one,
the level recorded with the holding. Investing refuses that at the time; a breach appears when an
investor is re-assessed to a lower level, or when a holding entered the books another way.
Registered with ``agents.oversight`` in ``InvestorsConfig.ready()``; two queries for any number
of holdings."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from .choices import HoldingStatus
from .models import Holding, SuitabilityAssessment


def _rank(level: str) -> int:
    return int(level[1:]) if level and level[1:].isdigit() else 0


def suitability_breaches(region_prefix: str) -> list[dict]:
    latest = (SuitabilityAssessment.objects.filter(investor=OuterRef("investor_id"))
              .order_by("-assessed_on", "-pk").values("level")[:1])
    holdings = (Holding.objects.filter(status__in=(HoldingStatus.ACTIVE, HoldingStatus.COOLING_OFF),
                                       investor__region_code__startswith=region_prefix or "")
                .annotate(current_level=Subquery(latest))
                .select_related("investor", "opportunity").order_by("pk"))
    findings = []
    for holding in holdings:
        level = holding.current_level or holding.investor_level
        if _rank(holding.risk_level) <= _rank(level):
            continue
        findings.append({
            "subject_key": f"holding:{holding.pk}",
            "subject_label": f"{holding.investor.name} · {holding.opportunity}",
            "subject_agent_id": holding.investor_id,
            "measured": Decimal(_rank(holding.risk_level)),
            "threshold": Decimal(_rank(level)),
            "details": {"holding": holding.pk, "risk_level": holding.risk_level, "investor_level": level,
                        "amount": str(holding.amount)},
        })
    return findings
