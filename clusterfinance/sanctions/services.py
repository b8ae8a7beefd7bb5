"""Applying the reward and penalty rules: each sanction is published by the finance company, about
the borrower, as a public publication of the centre (category "rewards and penalties"), once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import translation

from agents.models import Cluster
from infocenter.choices import Category, Visibility
from infocenter.models import Publication
from infocenter.services.publications import publication_create

from .rules import RULES, LoanFacts, Rule, sanctions_for


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
