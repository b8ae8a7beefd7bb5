"""Permission matrix rows for the reward and penalty pages (the finance company's staff only)."""

from . import Case, only


def _rule(world):
    from clusterfinance.sanctions.models import RuleKind
    from clusterfinance.sanctions.services import sanction_rule_propose

    rule = sanction_rule_propose(user=world.users["finance"], fc=world.finance_company,
                                 kind=RuleKind.NEGATIVE_REPORT_WARNING, name="负面报告警示",
                                 params={"window_days": "30"}, is_active=True)
    return {"pk": rule.pk}


EXPECTED = {
    "clusterfinance:sanctions": Case(only("finance")),
    "clusterfinance:sanctions-rules": Case(only("finance")),
    "clusterfinance:sanctions-rule": Case(only("finance"), kwargs=_rule),
}
