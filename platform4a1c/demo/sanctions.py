"""Demo step: the finance company's reward and penalty rules (奖惩信息) — a rate discount after six
on-time months, new money suspended at 90 days past due, a warning per verified negative report,
release once the arrears are paid — prepared by the analyst, the discount and the suspension
approved by the manager, then applied once to the members through the nightly run's service, so
the demo shows rewards and penalties, disclosed in the centre (idempotent: the rules are written
once by name, and a second run applies nothing new)."""

from django.utils import timezone

from agents.choices import Role
from clusterfinance.sanctions import services
from clusterfinance.sanctions.models import Effect, RuleKind, SanctionApplication, SanctionRule
from infocenter.services.events import events_dispatch

RULES = (
    (RuleKind.ON_TIME_DISCOUNT, "按时还款六个月利率优惠", {"months": "6", "discount_pp": "0.50"}),
    (RuleKind.DPD_SUSPENSION, "逾期九十天暂停新增融资", {"days": "90"}),
    (RuleKind.NEGATIVE_REPORT_WARNING, "负面报告核实后警示", {"window_days": "365"}),
    (RuleKind.ARREARS_RELEASE, "欠款还清解除暂停", {}),
)


def seed(world: dict, out) -> None:
    cluster, users = world["cluster"], world["users"]
    fc = cluster.finance_company
    analyst, manager = users[Role.FC_ANALYST], users[Role.FC_MANAGER]
    for kind, name, params in RULES:
        rule = SanctionRule.objects.filter(finance_company=fc, kind=kind, name=name).first()
        if rule is None:
            rule = services.sanction_rule_propose(user=analyst, fc=fc, kind=kind, name=name, params=params,
                                                  is_active=True)
        if rule.pending:
            services.sanction_rule_approve(user=manager, rule=rule)
    result = services.sanction_rules_apply(cluster=cluster, today=timezone.localdate())
    while events_dispatch(max_batches=50):
        pass
    counts = {e: SanctionApplication.objects.filter(finance_company=fc, effect=e).count() for e in Effect}
    out.write(f"  sanctions: {len(RULES)} rules; applied now {result['applied']}, in all "
              + ", ".join(f"{e.value} {n}" for e, n in counts.items()))
