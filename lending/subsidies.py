"""The subsidies a firm may count on for the cost of its credit, read through a hook.

The programmes that pay them (interest subsidies 贴息, guarantee-fee subsidies) are the
government's and live in its portal (``portals.government``), which the layers below may not
import; what a loan costs a firm is this layer's business. The owner of the fact registers, from
its ``AppConfig.ready()``, a function ``(firm, on) -> list[SubsidyOffer]`` giving the open
programmes the firm is eligible for on that day::

    subsidy_source_register(offers_for_firm, name="government.programmes")

With no source registered a firm has no offers (the adviser then says so). An offer is a
promise to pay ``share`` of what the firm pays (the interest of instalments paid in the period,
or the guarantee fee of a guarantee issued in the period); the payment itself still goes through
the owner's application, approval and budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

INTEREST = "interest"
GUARANTEE_FEE = "guarantee_fee"


@dataclass(frozen=True)
class SubsidyOffer:
    kind: str  # INTEREST or GUARANTEE_FEE
    title: str
    grantor: str
    share: Decimal  # of the interest paid or of the guarantee fee, 0 … 1
    period_start: date
    period_end: date
    url: str = ""  # where the firm applies

    def covers(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end


_SOURCES: dict[str, Callable[..., list[SubsidyOffer]]] = {}


def subsidy_source_register(func: Callable[..., list[SubsidyOffer]], *, name: str | None = None) -> None:
    """Register (or replace: ``ready()`` may run twice) a source of subsidy offers."""
    _SOURCES[name or f"{func.__module__}.{func.__qualname__}"] = func


def subsidy_source_unregister(name: str) -> None:
    _SOURCES.pop(name, None)


def subsidy_offers_for(firm, *, on: date) -> list[SubsidyOffer]:
    """Every offer of every source for ``firm`` on ``on``, largest share first."""
    offers = [offer for source in _SOURCES.values() for offer in source(firm, on)]
    return sorted(offers, key=lambda o: (-o.share, o.period_start, o.title))


def best_share(offers: list[SubsidyOffer], kind: str, day: date) -> tuple[Decimal, SubsidyOffer | None]:
    """The largest share any offer of ``kind`` pays on a payment made on ``day``: programmes pay
    on the same interest or fee, so a firm is counted on the best of them, not their sum."""
    for offer in offers:  # largest share first
        if offer.kind == kind and offer.covers(day):
            return offer.share, offer
    return Decimal(0), None


__all__ = ["GUARANTEE_FEE", "INTEREST", "SubsidyOffer", "best_share", "subsidy_offers_for",
           "subsidy_source_register", "subsidy_source_unregister"]
