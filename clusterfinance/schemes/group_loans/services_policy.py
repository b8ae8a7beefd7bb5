"""Writes of the group policy (docs/schemes.md, "The group policy"): a manager of the finance
company sets the fewest and most members of a group, the days past due before the co-members
are called and the product the groups' loans are lent under. All-or-nothing: bad input is
refused field by field with the reason and nothing is changed. A change is written to the
audit log (who, when, each field before and after) and shown on the policy page.

A new size limit governs what happens next — invitations, and forming the groups still forming;
formed groups keep their members and keep working (docs/decisions.md). New call days apply
from the next nightly run to instalments not yet called; a new product to new applications."""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.audit import audit_record
from agents.capabilities import require
from agents.money import refuse_fullwidth
from agents.parsing import collect

from .models import GroupPolicy
from .permissions import SET_GROUP_POLICY
from .selectors import POLICY_CHANGED, policy_products
from .services import policy_for

MAX_GROUP_SIZE = 50  # a joint-liability group whose members know each other; beyond this it is not one
MAX_CALL_DAYS = 365
FIELDS = ("min_members", "max_members", "call_days", "product")


def _whole(raw, *, what: str, low: int, high: int) -> int:
    text = str(raw if raw is not None else "").strip()
    refuse_fullwidth(text)
    if not text:
        raise ValidationError(_("Enter %(what)s.") % {"what": what}, code="required")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text[:40]}, code="invalid")
    if not low <= number <= high:
        raise ValidationError(_("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
                              code="out_of_range")
    return int(number)


def _product(raw, fc):
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    product = policy_products(fc).filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None
    if product is None:
        raise ValidationError(_("Choose an open product for member firms of the finance company itself or of an "
                                "institution of its cluster."), code="product")
    return product


def _snapshot(policy: GroupPolicy) -> dict:
    return {"min_members": policy.min_members, "max_members": policy.max_members, "call_days": policy.call_days,
            "product": policy.product.name if policy.product_id else "", "product_id": policy.product_id}


@transaction.atomic
def policy_update(*, user, finance_company, min_members, max_members, call_days, product) -> tuple[GroupPolicy, bool]:
    """Set ``finance_company``'s group policy. Returns (the policy, whether anything changed);
    a change is recorded in the audit log as ``group_policy.changed``."""
    require(user, finance_company, SET_GROUP_POLICY)
    parsers = {
        "min_members": lambda: _whole(min_members, what=_("the fewest members"), low=2, high=MAX_GROUP_SIZE),
        "max_members": lambda: _whole(max_members, what=_("the most members"), low=2, high=MAX_GROUP_SIZE),
        "call_days": lambda: _whole(call_days, what=_("the days past due"), low=1, high=MAX_CALL_DAYS),
        "product": lambda: _product(product, finance_company)}
    errors: dict = {}
    try:
        values = collect(**parsers)
    except ValidationError as exc:
        errors, values = exc.error_dict, {}
    sizes = {}
    for name in ("min_members", "max_members"):  # compared even when another field is wrong
        with contextlib.suppress(ValidationError):
            sizes[name] = values[name] if name in values else parsers[name]()
    if len(sizes) == 2 and sizes["min_members"] > sizes["max_members"]:
        errors.setdefault("max_members", []).append(ValidationError(
            _("The most members (%(max)s) is below the fewest (%(min)s).")
            % {"max": sizes["max_members"], "min": sizes["min_members"]}, code="min_max"))
    if errors:
        raise ValidationError(errors)
    policy = GroupPolicy.objects.select_for_update().get(pk=policy_for(finance_company).pk)
    before = _snapshot(policy)
    policy.min_members, policy.max_members = values["min_members"], values["max_members"]
    policy.call_days, policy.product = values["call_days"], values["product"]
    after = _snapshot(policy)
    if after == before:
        return policy, False
    policy.updated_at = timezone.now()
    policy.full_clean()
    policy.save(update_fields=[*FIELDS, "updated_at"])
    changed = {f: {"before": before[f], "after": after[f]} for f in FIELDS if before[f] != after[f]}
    summary = "; ".join(f"{f}: {v['before'] or '—'} → {v['after'] or '—'}" for f, v in changed.items())
    audit_record(POLICY_CHANGED, target=f"group_policy:{policy.pk}", agent=finance_company, actor=user,
                 summary=summary, data={"changed": changed, "before": before, "after": after})
    return policy, True
