"""Applying the reward and penalty rules: each sanction is published by the finance company, about
the borrower, as a public publication of the centre (category "rewards and penalties"), once.

Two rule books: the loan rules of ``rules.RULES`` (applied by the continuous disclosure to the
loans it reads, ``sanctions_apply``), and the finance company's own configurable rules
(``SanctionRule``: written with ``sanction_rule_propose`` / ``_approve`` / ``_withdraw``, applied
to its member firms every night by ``sanction_rules_apply``: recorded as ``SanctionApplication``,
put into effect on the firms' ``lending.LendingStanding``, disclosed and fed back as events)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.capabilities import can, four_eyes_check, require
from agents.models import Agent, Cluster
from agents.money import quantize
from infocenter.choices import Category, Visibility
from infocenter.models import Publication
from infocenter.services.events import event_row, events_insert_coalesced
from infocenter.services.publications import publication_create
from lending.models import LendingStanding

from . import selectors
from .events import SANCTION_APPLIED, SANCTION_RELEASED
from .models import Effect, RuleKind, SanctionApplication, SanctionRule, SanctionRuleVersion
from .permissions import APPROVE_SANCTION_RULE, MANAGE_SANCTION_RULES
from .rules import PENALTY, REWARD, RULES, LoanFacts, Rule, rule_params_clean, sanctions_for


def sanctions_due(*, loans: Iterable, rules: Iterable[Rule] = RULES) -> list[tuple[object, object]]:
    """``(loan, sanction)`` for every sanction the rules call for on ``loans`` (loans read by
    ``lending.selectors.loans_to_disclose``). Pure: no query."""
    rules = tuple(rules)
    return [(loan, s) for loan in loans for s in sanctions_for(LoanFacts.of(loan), rules)]


# Past this many keys, all the publisher's sanction keys are read instead (one query either way,
# without a bind parameter per key).
MANY_KEYS = 500


def _published_keys(*, publisher, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    qs = Publication.objects.filter(publisher=publisher, category=Category.SANCTION)
    if len(keys) <= MANY_KEYS:
        qs = qs.filter(key__in=keys)
    return set(qs.values_list("key", flat=True))


@transaction.atomic
def sanctions_apply(*, cluster: Cluster, loans: Iterable, rules: Iterable[Rule] = RULES) -> int:
    """Publish the sanctions the rules call for on ``loans`` that are not published yet (the key
    ``loan-<id>-<code>`` makes it idempotent). Returns how many were new. One query to find what
    is already published, then one publication per new sanction."""
    fc = cluster.finance_company
    with translation.override("zh-hans"):  # the record is written in the platform's language
        due = sanctions_due(loans=loans, rules=rules)
        keys = [s.key(loan.pk) for loan, s in due]
        published = _published_keys(publisher=fc, keys=keys)
        new = 0
        for loan, sanction in due:
            key = sanction.key(loan.pk)
            if key in published:
                continue
            publication_create(subject=loan.borrower, publisher=fc, category=Category.SANCTION,
                               visibility=Visibility.PUBLIC, key=key, title=sanction.title, body=sanction.body,
                               data=sanction.data)
            published.add(key)
            new += 1
    return new


# --- the finance company's configurable rules ----------------------------------------------

def _name(name) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the rule a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("At most 120 characters.")})
    return name


def _put_in_force(rule: SanctionRule, change: dict, *, prepared_by, approved_by) -> SanctionRule:
    rule.name, rule.params, rule.is_active = change["name"], change["params"], bool(change["is_active"])
    rule.version += 1
    rule.pending, rule.pending_by, rule.pending_at = None, None, None
    rule.save()
    SanctionRuleVersion.objects.create(rule=rule, version=rule.version, name=rule.name, params=rule.params,
                                       is_active=rule.is_active, prepared_by=prepared_by, approved_by=approved_by)
    return rule


@transaction.atomic
def sanction_rule_propose(*, user, fc, name, params, is_active: bool, kind: str | None = None,
                          rule: SanctionRule | None = None) -> SanctionRule:
    """A new rule of ``kind`` or a change of ``rule``. A rule that moves money or blocks lending (a
    rate discount, a suspension) waits for another manager's approval (``pending``); a warning or a
    release rule is in force at once. Bad parameters are refused, each beside its field, and
    nothing is written."""
    require(user, fc, MANAGE_SANCTION_RULES)
    if rule is None:
        if kind not in RuleKind.values:
            raise ValidationError({"kind": _("Unknown kind of rule.")})
        rule = SanctionRule(finance_company=fc, kind=kind, created_by=user)
    else:
        rule = SanctionRule.objects.select_for_update().get(pk=rule.pk, finance_company=fc)
        if rule.pending:
            raise ValidationError(_("A change of this rule is waiting for approval: approve or withdraw it first."))
    change = {"name": _name(name), "params": rule_params_clean(rule.kind, params), "is_active": bool(is_active)}
    if rule.pk and rule.version and change == {"name": rule.name, "params": rule.params, "is_active": rule.is_active}:
        raise ValidationError(_("Nothing changed."))
    if not rule.needs_four_eyes:
        if rule.pk is None:
            rule.name = change["name"]
        return _put_in_force(rule, change, prepared_by=user, approved_by=None)
    if rule.pk is None:  # not in force before its approval
        rule.name, rule.params, rule.is_active = change["name"], change["params"], False
    rule.pending, rule.pending_by, rule.pending_at = change, user, timezone.now()
    rule.full_clean()
    rule.save()
    return rule


def _lock_rule(rule: SanctionRule) -> SanctionRule:
    return SanctionRule.objects.select_for_update().select_related("finance_company").get(pk=rule.pk)


@transaction.atomic
def sanction_rule_approve(*, user, rule: SanctionRule) -> SanctionRule:
    """Another manager puts the prepared change in force (maker-checker)."""
    rule = _lock_rule(rule)
    fc = rule.finance_company
    require(user, fc, APPROVE_SANCTION_RULE)
    if not rule.pending:
        raise ValidationError(_("No change of this rule is waiting for approval."))
    four_eyes_check(agent=fc, maker_id=rule.pending_by_id, checker=user,
                    message=_("The person who prepared a change of a rule cannot also approve it (maker-checker)."))
    change = {"name": rule.pending.get("name", rule.name),
              "params": rule_params_clean(rule.kind, rule.pending.get("params")),
              "is_active": bool(rule.pending.get("is_active"))}
    return _put_in_force(rule, change, prepared_by=rule.pending_by, approved_by=user)


@transaction.atomic
def sanction_rule_withdraw(*, user, rule: SanctionRule) -> SanctionRule:
    """Drop the change waiting for approval (its maker withdraws it, or a manager rejects it)."""
    rule = _lock_rule(rule)
    require(user, rule.finance_company, MANAGE_SANCTION_RULES)
    if not rule.pending:
        raise ValidationError(_("No change of this rule is waiting for approval."))
    if rule.pending_by_id != user.pk and not can(user, rule.finance_company, APPROVE_SANCTION_RULE):
        raise PermissionDenied(_("Only the person who prepared the change or a manager may withdraw it."))
    rule.pending, rule.pending_by, rule.pending_at = None, None, None
    rule.save(update_fields=["pending", "pending_by", "pending_at"])
    return rule


# --- applying the rules (the nightly run) --------------------------------------------------

KIND_ORDER = {RuleKind.ON_TIME_DISCOUNT: 0, RuleKind.DPD_SUSPENSION: 1, RuleKind.NEGATIVE_REPORT_WARNING: 2,
              RuleKind.ARREARS_RELEASE: 3}


def _reason(effect: str, rule: SanctionRule, ev: dict) -> str:
    """The reason of an application in one sentence (written in the platform's language)."""
    if effect == Effect.DISCOUNT:
        return _("%(n)s consecutive months repaid on time (%(from)s to %(to)s): %(pp)s percentage points off the "
                 "rate of new loans (rule “%(rule)s”).") % {"n": ev["months"], "from": ev["from"], "to": ev["to"],
                                                             "pp": ev["discount_pp"], "rule": rule.name}
    if effect == Effect.SUSPENSION:
        return _("A loan %(dpd)s days past due (at least %(days)s), arrears %(arrears)s yuan: new money suspended "
                 "until the arrears are paid (rule “%(rule)s”).") % {
            "dpd": ev["dpd"], "days": ev["threshold_days"], "arrears": _money(ev["arrears"]), "rule": rule.name}
    if effect == Effect.WARNING:
        return _("A negative report was verified on %(day)s: “%(title)s” (rule “%(rule)s”).") % {
            "day": ev["verified_on"], "title": ev["title"], "rule": rule.name}
    return _("The arrears are paid: the suspension of %(day)s is released (rule “%(rule)s”).") % {
        "day": ev["suspended_on"], "rule": rule.name}


TITLES = {
    Effect.DISCOUNT: lambda: _("Reward: rate discount for repaying on time"),
    Effect.SUSPENSION: lambda: _("Penalty: new money suspended"),
    Effect.WARNING: lambda: _("Warning: verified negative report"),
    Effect.RELEASE: lambda: _("Suspension released: arrears paid"),
}


def _money(value) -> str:
    return f"{quantize(Decimal(value)):,}"


def _found(rule: SanctionRule, *, fc, today, now) -> list[tuple[int, str, dict]]:
    """``(firm, episode, evidence)`` for each firm the rule fires on today (one query, two for a
    suspension with its arrears)."""
    p = rule.params
    if rule.kind == RuleKind.ON_TIME_DISCOUNT:
        return [(firm, "", {**ev, "discount_pp": p["discount_pp"]})
                for firm, ev in selectors.on_time_firms(fc=fc, months=int(p["months"]), today=today).items()]
    if rule.kind == RuleKind.DPD_SUSPENSION:
        found = selectors.past_due_firms(fc=fc, days=int(p["days"]))
        arrears = selectors.arrears_of(firm_ids=found.keys()) if found else {}
        return [(firm, "", {**ev, "arrears": str(arrears.get(firm, Decimal("0.00")))}) for firm, ev in found.items()]
    if rule.kind == RuleKind.NEGATIVE_REPORT_WARNING:
        return [(r["subject_id"], f"report-{r['pk']}",
                 {"report_id": r["pk"], "category": r["category"], "title": r["title"],
                  "verified_on": timezone.localtime(r["decided_at"]).date().isoformat()})
                for r in selectors.negative_reports(fc=fc, window_days=int(p["window_days"]), now=now)]
    return []


def _standings_refresh(*, fc, firm_ids, now) -> None:
    """Write the firms' standing with ``fc`` (``lending.LendingStanding``, read by lending) from
    their open discounts and suspensions: suspended since the earliest open suspension, the
    largest open discount. Three queries whatever the number of firms."""
    if not firm_ids:
        return
    firm_ids = set(firm_ids)
    state = {f: {"suspended_since": None, "suspension_reason": "", "rate_discount": Decimal(0), "discount_reason": ""}
             for f in firm_ids}
    rows = (SanctionApplication.objects.filter(finance_company=fc, firm_id__in=firm_ids, released_at__isnull=True,
                                               effect__in=(Effect.DISCOUNT, Effect.SUSPENSION))
            .order_by("applied_at", "pk").values("firm_id", "effect", "applied_at", "reason", "evidence"))
    for r in rows:
        s = state[r["firm_id"]]
        if r["effect"] == Effect.SUSPENSION:
            s["suspended_since"] = s["suspended_since"] or r["applied_at"]
            s["suspension_reason"] = r["reason"][:300]  # the latest
        else:
            discount = (Decimal(r["evidence"].get("discount_pp", "0")) / 100).quantize(Decimal("0.000001"))
            if discount > s["rate_discount"]:
                s["rate_discount"], s["discount_reason"] = discount, r["reason"][:300]
    existing = {s.firm_id: s for s in LendingStanding.objects.filter(lender=fc, firm_id__in=firm_ids)}
    create, update = [], []
    for firm, values in state.items():
        standing = existing.get(firm)
        if standing is None:
            create.append(LendingStanding(firm_id=firm, lender=fc, updated_at=now, **values))
        else:
            for k, v in values.items():
                setattr(standing, k, v)
            standing.updated_at = now
            update.append(standing)
    LendingStanding.objects.bulk_create(create)
    LendingStanding.objects.bulk_update(update, [*next(iter(state.values())).keys(), "updated_at"])


def _publish(*, fc, firm, title: str, body: str, key: str, data: dict):
    return publication_create(subject=firm, publisher=fc, category=Category.SANCTION, visibility=Visibility.PUBLIC,
                              key=key, title=title, body=body, data=data)


@transaction.atomic
def sanction_rules_apply(*, cluster: Cluster, today: date | None = None, now=None) -> dict:
    """Apply the finance company's active rules to its member firms, set-based: one query per
    rule finds the firms it fires on, one reads what is already open, the new applications are
    one INSERT, the firms' standings (what lending reads) three queries, the events one INSERT;
    each new application and each ending is disclosed in the centre (one publication each).
    Idempotent: what is open (a discount or a suspension per rule and firm, a warning per report)
    is not applied again, so a second run the same day applies nothing new.

    Also ends, whatever the rules in force: each open discount of a firm that has fallen behind
    (something overdue today); the release rule ends each open suspension of a firm with nothing
    overdue any more, recorded as an application of its own."""
    fc = cluster.finance_company
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    rules = sorted(SanctionRule.objects.select_for_update().filter(finance_company=fc, is_active=True, version__gt=0),
                   key=lambda r: (KIND_ORDER[r.kind], r.pk))  # one run per finance company at a time
    # what is open and can end: discounts and suspensions (at most one per rule and firm); the
    # warnings already given are read per warning rule, for the reports it sees today only
    opened = selectors.open_applications(fc=fc, effects=(Effect.DISCOUNT, Effect.SUSPENSION))
    new: list[SanctionApplication] = []
    ended: list[dict] = []  # open discounts of firms in arrears
    with translation.override("zh-hans"):  # the records are written in the platform's language
        discounts = {r["firm_id"]: r for r in opened.values() if r["effect"] == Effect.DISCOUNT}
        behind = selectors.firms_in_arrears(firm_ids=discounts.keys()) if discounts else {}
        for row in opened.values():
            if row["effect"] == Effect.DISCOUNT and row["firm_id"] in behind:
                ended.append({**row, "dpd": behind[row["firm_id"]]})
        ended_firms = {r["firm_id"] for r in ended}
        for rule in rules:
            if rule.kind == RuleKind.ARREARS_RELEASE:
                for s in selectors.cleared_suspensions(fc=fc):  # each still open: released once
                    ev = {"suspension_id": s["pk"], "suspended_on": timezone.localtime(s["applied_at"]).date().isoformat(),
                          "arrears": "0.00"}
                    new.append(SanctionApplication(
                        finance_company=fc, firm_id=s["firm_id"], rule=rule, rule_version=rule.version,
                        effect=Effect.RELEASE, episode=f"of-{s['pk']}", applied_on=today, applied_at=now, evidence=ev,
                        reason=_reason(Effect.RELEASE, rule, ev)[:300], releases_id=s["pk"]))
                continue
            found = _found(rule, fc=fc, today=today, now=now)
            if rule.kind == RuleKind.NEGATIVE_REPORT_WARNING and found:
                opened.update(selectors.open_applications(rule_ids=[rule.pk], episodes={e for _f, e, _v in found}))
            for firm, episode, ev in found:
                if (rule.pk, firm, episode) in opened or (rule.kind == RuleKind.ON_TIME_DISCOUNT and firm in ended_firms):
                    continue
                new.append(SanctionApplication(
                    finance_company=fc, firm_id=firm, rule=rule, rule_version=rule.version, effect=rule.effect,
                    episode=episode, applied_on=today, applied_at=now, evidence=ev,
                    reason=_reason(rule.effect, rule, ev)[:300]))
                opened[(rule.pk, firm, episode)] = {"firm_id": firm, "effect": rule.effect}
        if not new and not ended:
            return {"applied": 0, "ended": 0, "by_effect": {}}
        released = [a.releases_id for a in new if a.releases_id]
        SanctionApplication.objects.filter(pk__in=[r["pk"] for r in ended] + released).update(released_at=now)
        SanctionApplication.objects.bulk_create(new)
        affected = {a.firm_id for a in new if a.effect != Effect.WARNING} | ended_firms
        _standings_refresh(fc=fc, firm_ids=affected, now=now)
        firms = {a.pk: a for a in Agent.objects.filter(pk__in={a.firm_id for a in new} | ended_firms)}
        rows = []
        for a in new:
            firm = firms[a.firm_id]
            data = {"application_id": a.pk, "rule_id": a.rule_id, "rule_kind": a.rule.kind, "effect": a.effect,
                    "sanction": REWARD if a.is_reward else PENALTY, **a.evidence}
            a.publication = _publish(fc=fc, firm=firm, key=f"sanction-{a.pk}", data=data, title=TITLES[a.effect](),
                                     body=f"{firm.name}：{a.reason}")
            payload = {"application_id": a.pk, "rule_id": a.rule_id, "rule_kind": a.rule.kind, "effect": a.effect,
                       "finance_company_id": fc.pk}
            if a.releases_id:
                payload["releases"] = a.releases_id
            rows.append(event_row(kind=SANCTION_RELEASED if a.effect == Effect.RELEASE else SANCTION_APPLIED,
                                  subject_agent_id=a.firm_id, actor_agent_id=fc.pk, payload=payload,
                                  agent_ids=[a.firm_id]))
        SanctionApplication.objects.bulk_update(new, ["publication"])
        for r in ended:
            firm = firms[r["firm_id"]]
            body = _("%(firm)s has fallen behind (%(dpd)s days past due): the rate discount granted on %(day)s ends.") \
                % {"firm": firm.name, "dpd": r["dpd"], "day": timezone.localtime(r["applied_at"]).date().isoformat()}
            _publish(fc=fc, firm=firm, key=f"sanction-{r['pk']}-ended", title=_("Reward ended: rate discount withdrawn"),
                     body=body, data={"application_id": r["pk"], "effect": Effect.DISCOUNT, "ended": True,
                                      "dpd": r["dpd"], "sanction": PENALTY})
            rows.append(event_row(kind=SANCTION_RELEASED, subject_agent_id=r["firm_id"], actor_agent_id=fc.pk,
                                  agent_ids=[r["firm_id"]],
                                  payload={"application_id": r["pk"], "rule_id": r["rule_id"], "effect": Effect.DISCOUNT,
                                           "finance_company_id": fc.pk, "ended": True}))
        # one INSERT for all the events (rows without a coalesce key are simply stored)
        events_insert_coalesced(rows)
    by_effect: dict[str, int] = {}
    for a in new:
        by_effect[a.effect] = by_effect.get(a.effect, 0) + 1
    return {"applied": len(new), "ended": len(ended), "by_effect": by_effect}


def sanctions_run(*, today: date | None = None) -> dict:
    """What beat runs every night after the delinquency run: every cluster's rules."""
    totals = {"applied": 0, "ended": 0}
    for cluster in Cluster.objects.select_related("finance_company"):
        result = sanction_rules_apply(cluster=cluster, today=today)
        totals["applied"] += result["applied"]
        totals["ended"] += result["ended"]
    return totals
