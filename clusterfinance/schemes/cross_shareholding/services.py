"""Writes of the regional bank model's records (区域银行): a shareholding or a seconded manager
recorded by the finance company (any pair) or by an institution (one of the two parties), each
shareholding published once in the centre's business module (keyed). The facts and the
related-party rule live in ``lending.services.related_parties``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from infocenter.services import business_record_publish
from lending.services import related_parties as facts

from .permissions import RECORD_SHAREHOLDING


def _may_record(*, user, acting, parties) -> None:
    require(user, acting, RECORD_SHAREHOLDING)
    if acting.kind != AgentKind.FINANCE_COMPANY and acting.pk not in {p.pk for p in parties}:
        raise PermissionDenied(_("An institution records only the shareholdings and secondments it is a party to."))


def _link(holding) -> str:
    kinds = {holding.holder.kind, holding.held.kind}
    return "3" if AgentKind.FINANCE_COMPANY in kinds else "d"


@transaction.atomic
def cross_shareholding_record(*, user, acting, holder, held, shares, percentage, since):
    """Record ``holder``'s holding of ``held`` and publish it (business module, key
    ``shareholding:<id>``): the firm of the two is the subject."""
    _may_record(user=user, acting=acting, parties=(holder, held))
    holding = facts.shareholding_record(user=user, holder=holder, held=held, shares=shares, percentage=percentage,
                                        since=since)
    firm, other = (held, holder) if held.kind == AgentKind.ENTERPRISE else (holder, held)
    with translation.override("zh-hans"):
        title = _("Shareholding: %(holder)s holds %(pct)s per cent of %(held)s") % {
            "holder": holder.name, "pct": holding.percentage.normalize(), "held": held.name}
    business_record_publish(link=_link(holding), kind="shareholding", subject=firm, counterparty=other, title=title,
                            data={"holder_id": holder.pk, "held_id": held.pk, "shares": holding.shares,
                                  "percentage": str(holding.percentage), "since": holding.since.isoformat()},
                            key=f"shareholding:{holding.pk}")
    return holding


@transaction.atomic
def cross_shareholding_end(*, user, acting, holding, on):
    _may_record(user=user, acting=acting, parties=(holding.holder, holding.held))
    return facts.shareholding_end(holding=holding, user=user, on=on)


@transaction.atomic
def seconded_manager_add(*, user, acting, bank, firm, person_name, board, since, person_user=None):
    _may_record(user=user, acting=acting, parties=(bank, firm))
    return facts.seconded_manager_record(user=user, bank=bank, firm=firm, person_name=person_name, board=board,
                                         since=since, person_user=person_user)
