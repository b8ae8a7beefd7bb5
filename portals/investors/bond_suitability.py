"""The investor's suitability level for the collective bonds (``clusterfinance.schemes.
collective_bond.suitability``), registered in ``InvestorsConfig.ready()``: the profile's level
while its assessment is current, else "" (the investor must retake the questionnaire)."""

from __future__ import annotations

from .models import InvestorProfile


def current_level(agent) -> str:
    profile = InvestorProfile.objects.filter(agent_id=agent.pk).first()
    if profile is None or not profile.is_current():
        return ""
    return profile.suitability


def register() -> None:
    from clusterfinance.schemes.collective_bond.suitability import level_source_register

    level_source_register(current_level)
