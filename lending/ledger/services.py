"""Writes of the ledger: accounts, balanced append-only journal entries, reversals.

Public API (keyword-only, ``@transaction.atomic``):

* ``account_get(agent_id=, purpose=, loan_id=None) -> Account`` — the account of an agent for a
  purpose (and loan, for per-loan purposes), opened on first use with its type from the purpose.
* ``accounts_get(specs) -> dict`` — many at once: ``specs`` are ``(agent_id, purpose, loan_id)``.
* ``entry_post(idempotency_key=, lines=, kind=, effective_date=, payload=None, memo="", loan=None,
  user=None) -> (JournalEntry, created)`` — ``lines`` are ``(Account, Decimal)`` pairs, debit
  positive, credit negative; at least two non-zero lines summing to exactly zero. The same key
  with the same ``payload`` returns the first entry (``created=False``); another payload under
  the key raises ``IdempotencyConflict``. Cached balances are updated in the same transaction.
* ``entry_reverse(entry=, user=None, memo="", effective_date=None, idempotency_key=None)`` — a
  reversing entry (negated postings) for a manual entry; loan entries are corrected through the
  loan services.
* ``capital_contribute(agent=, amount=, on=, idempotency_key=, user=None)`` — paid-in capital:
  cash (debit) against capital (credit).

Any kind of money that is not a loan (pool deposits and withdrawals, credit-line drawdowns, note
subscriptions, guarantee fees and claims, subsidies, scheme payouts) posts through two calls:

* ``money_move(idempotency_key=, on=, amount=, payer=, payer_purpose=, payee=, payee_purpose=,
  reference="", memo="", user=None)`` — cash moves from one agent to another and each side books
  the counterpart on an account of its own: payer ``cash −amount, payer_purpose +amount``, payee
  ``cash +amount, payee_purpose −amount``. A member's deposit into the pool is
  ``payer_purpose=placements`` (its asset), ``payee_purpose=deposits`` (the pool's liability); the
  withdrawal is the same call the other way round.
* ``transfer_post(idempotency_key=, effective_date=, legs=, reference="", memo="", user=None)`` —
  any balanced entry of ``Leg(agent_id, purpose, amount)`` lines on any agents' accounts (a fee
  accrued without cash, a claim split between a fund and a government share).

Both refuse, with a translated ``ValidationError`` and nothing posted: a float or inexact amount,
an entry that does not balance, a per-loan account (a loan's own accounts move only through the
loan services), an entry kind reserved to loans, a missing idempotency key. The same key with the
same request returns the first entry (``created=False``); another request under the key raises
``IdempotencyConflict``. On PostgreSQL the database itself rejects an unbalanced entry at commit
and any UPDATE or DELETE of entries and postings (migrations 0002/0004). The ledger imports no
loan module (an import-linter contract).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.audit import audit_record
from agents.money import FEN, ZERO, parse_amount
from agents.parsing import collect, parse_date

from ..choices import ACCOUNT_TYPE_OF, LOAN_ENTRY_KINDS, PER_LOAN_PURPOSES, AccountPurpose, Currency, EntryKind
from .models import Account, JournalEntry, Posting
from .sql import fetch_models, select_list

__all__ = [
    "IdempotencyConflict", "Leg", "account_get", "account_spec", "accounts_get", "amounts_check",
    "capital_contribute", "entry_post", "entry_reverse", "fingerprint_of", "money_move", "parse_idempotency_key",
    "transfer_post",
]

ACCOUNT_TABLE = Account._meta.db_table
MAX_KEY_LENGTH = 160  # the ledger prefixes keys ("repayment:…") within its 200 characters


class IdempotencyConflict(ValidationError):
    """The idempotency key was already used for a different request."""

    def __init__(self, message=None):
        super().__init__(message or _("This idempotency key was already used for a different request; nothing "
                                      "was posted. Use a new key for a new request."), code="idempotency_conflict")


def fingerprint_of(payload: dict) -> str:
    """SHA-256 of the canonical JSON of a request payload (Decimals and dates as text)."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def parse_idempotency_key(raw) -> str:
    key = str(raw if raw is not None else "").strip()
    if not key:
        raise ValidationError(_("Every request needs an idempotency key."), code="required")
    if len(key) > MAX_KEY_LENGTH or any(ord(c) < 32 for c in key):
        raise ValidationError(_("The idempotency key must be at most %(max)s printable characters."),
                              code="invalid", params={"max": MAX_KEY_LENGTH})
    return key


def account_spec(agent_id: int, purpose: str, loan_id: int | None):
    """The normalised key of an account: per-loan purposes keep the loan, others drop it."""
    if purpose in PER_LOAN_PURPOSES and loan_id is None:
        raise ValueError(f"{purpose} accounts are kept per loan")
    if purpose not in PER_LOAN_PURPOSES:
        loan_id = None
    return (agent_id, purpose, loan_id)


def accounts_get(specs: Iterable[tuple]) -> dict[tuple, Account]:
    """The accounts for ``(agent_id, purpose, loan_id)`` specs, opening missing ones. One query
    when they all exist."""
    wanted = {account_spec(*s) for s in specs}
    if not wanted:
        return {}
    loan_ids = sorted({loan_id for _a, _p, loan_id in wanted if loan_id is not None})
    agent_ids = sorted({a for a, _p, _l in wanted})
    purposes = sorted({p for _a, p, _l in wanted})
    # raw SQL: this runs in every posting, and the ORM's query compilation cost more than the query
    query = (f"SELECT {select_list(Account)} FROM {ACCOUNT_TABLE} WHERE currency = %s"
             f" AND agent_id IN ({', '.join(['%s'] * len(agent_ids))})"
             f" AND purpose IN ({', '.join(['%s'] * len(purposes))}) AND (loan_id IS NULL"
             + (f" OR loan_id IN ({', '.join(['%s'] * len(loan_ids))}))" if loan_ids else ")"))
    candidates = fetch_models(Account, query, [Currency.CNY, *agent_ids, *purposes, *loan_ids])
    found = {(a.agent_id, a.purpose, a.loan_id): a for a in candidates if (a.agent_id, a.purpose, a.loan_id) in wanted}
    missing = wanted - found.keys()
    if missing:
        # Open them in one statement, always in the same order: two transactions opening the
        # same accounts in different orders would each wait for the other's index entry
        # (a deadlock seen by benchmarks/repayments.py). A concurrent opener is otherwise harmless.
        ordered = sorted(missing, key=lambda s: (s[0], s[1], s[2] or 0))
        Account.objects.bulk_create([Account(agent_id=a, purpose=p, loan_id=lo, currency=Currency.CNY,
                                             type=ACCOUNT_TYPE_OF[p]) for a, p, lo in ordered], ignore_conflicts=True)
        return accounts_get(wanted)
    return found


def account_get(*, agent_id: int, purpose: str, loan_id: int | None = None) -> Account:
    spec = account_spec(agent_id, purpose, loan_id)
    return accounts_get([spec])[spec]


def _existing(key: str, fingerprint: str) -> JournalEntry | None:
    entry = JournalEntry.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.fingerprint != fingerprint:
        raise IdempotencyConflict()
    return entry


def amounts_check(amounts: Sequence[Decimal]) -> list[Decimal]:
    """The non-zero amounts of an entry's lines, after checking the ledger's rules: exact to the
    fen, at least two non-zero lines, summing to exactly zero. Raises ``ValidationError``."""
    for amount in amounts:
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount != amount.quantize(FEN):
            raise ValidationError(_("Posting amounts must be exact to the fen."), code="invalid_posting")
    clean = [amount for amount in amounts if amount != ZERO]
    if len(clean) < 2:
        raise ValidationError(_("A journal entry needs at least two postings."), code="too_few_postings")
    if sum(clean, ZERO) != ZERO:
        raise ValidationError(_("The journal entry does not balance: its postings must sum to zero."),
                              code="unbalanced")
    return clean


def _check_lines(lines: Sequence[tuple[Account, Decimal]]) -> list[tuple[Account, Decimal]]:
    amounts_check([amount for _account, amount in lines])
    clean = [(account, amount) for account, amount in lines if amount != ZERO]
    if len({acc.currency for acc, _a in clean}) != 1:
        raise ValidationError(_("All postings of an entry must be in one currency."), code="currency")
    return clean


def _update_balances(cursor, lines: Sequence[tuple[Account, Decimal]]) -> None:
    """Add each account's net amount to its cached balance, locking rows in one global order
    (per-loan accounts first, then shared accounts by id) so concurrent entries cannot deadlock
    and the busiest shared accounts are held for the shortest time."""
    net: dict[int, Decimal] = defaultdict(Decimal)
    shared: dict[int, bool] = {}
    for account, amount in lines:
        net[account.pk] += amount
        shared[account.pk] = account.loan_id is None
    ordered = [(net[pk], pk) for pk in sorted(net, key=lambda pk: (shared[pk], pk)) if net[pk] != ZERO]
    cursor.executemany(f"UPDATE {ACCOUNT_TABLE} SET balance = balance + %s WHERE id = %s", ordered)


ENTRY_TABLE = JournalEntry._meta.db_table
POSTING_TABLE = Posting._meta.db_table
ENTRY_COLUMNS = ("idempotency_key", "fingerprint", "kind", "effective_date", "memo", "reference", "loan_id",
                 "reverses_id", "created_by_id", "created_at")


def _insert_entry(cursor, values: dict) -> int | None:
    """Insert the entry unless its key exists (``ON CONFLICT DO NOTHING``: no savepoint needed);
    the new id, or ``None`` when the key was already taken."""
    ops = connection.ops
    params = [values["idempotency_key"], values["fingerprint"], values["kind"],
              ops.adapt_datefield_value(values["effective_date"]), values["memo"], values["reference"],
              values["loan_id"],
              values["reverses_id"], values["created_by_id"], ops.adapt_datetimefield_value(values["created_at"])]
    cursor.execute(
        f"INSERT INTO {ENTRY_TABLE} ({', '.join(ENTRY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))}) "
        f"ON CONFLICT (idempotency_key) DO NOTHING RETURNING id", params)
    row = cursor.fetchone()
    return row[0] if row else None


def entry_post(*, idempotency_key: str, lines: Sequence[tuple[Account, Decimal]], kind: str, effective_date,
               payload: dict | None = None, memo: str = "", loan=None, user=None,
               reverses: JournalEntry | None = None, reference: str = "") -> tuple[JournalEntry, bool]:
    """Post a balanced journal entry (see the module docstring). Returns ``(entry, created)``.

    The hot path of every disbursement and repayment, so it speaks SQL directly: one INSERT of
    the entry (``ON CONFLICT DO NOTHING`` on the idempotency key), one INSERT of the postings,
    one UPDATE per account in a fixed lock order. Validation happens before any write."""
    if kind not in EntryKind.values:
        raise ValueError(f"unknown entry kind {kind!r}")
    fingerprint = fingerprint_of(payload if payload is not None else {
        "kind": kind, "date": str(effective_date),
        "lines": sorted((a.pk, str(amt)) for a, amt in lines),
    })
    clean = _check_lines(lines)
    values = {"idempotency_key": idempotency_key, "fingerprint": fingerprint, "kind": kind,
              "effective_date": effective_date, "memo": memo[:300], "reference": reference[:80],
              "loan_id": getattr(loan, "pk", None),
              "reverses_id": getattr(reverses, "pk", None), "created_by_id": getattr(user, "pk", None),
              "created_at": timezone.now()}
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        entry_id = _insert_entry(cursor, values)
        if entry_id is not None:
            rows = [(entry_id, account.pk, amount) for account, amount in clean]
            cursor.execute(f"INSERT INTO {POSTING_TABLE} (entry_id, account_id, amount) VALUES "
                           + ", ".join(["(%s, %s, %s)"] * len(rows)), [v for row in rows for v in row])
            _update_balances(cursor, clean)
    if entry_id is None:
        # the key exists (a retry, or a concurrent request that committed first); nothing was written
        return _existing(idempotency_key, fingerprint), False
    entry_audit(entry_id=entry_id, kind=kind, lines=[(a.agent_id, amt) for a, amt in clean], reference=reference,
                loan_id=values["loan_id"], user=user, memo=memo)
    entry = JournalEntry(id=entry_id, **values)
    entry._state.adding, entry._state.db = False, connection.alias
    return entry, True


def entry_audit(*, entry_id: int, kind: str, lines: Sequence[tuple[int, Decimal]], reference: str = "",
                loan_id=None, user=None, memo: str = "") -> None:
    """The audit log's record of a posted entry (every movement of money is one): who, which
    entry, how much, between whom. ``lines`` are (agent id, amount) per posting; the amount
    recorded is the money that moved — the largest total one agent's books were debited, so a
    transfer of ¥100 between two agents (two balanced halves) says ¥100, not ¥200. Called by
    ``entry_post`` and by the repayment path that writes its entry in one SQL call."""
    agents = list(dict.fromkeys(agent for agent, _amount in lines))
    debits = defaultdict(Decimal)
    for agent, amount in lines:
        if amount > 0:
            debits[agent] += amount
    amount = max(debits.values(), default=ZERO)
    audit_record("ledger.entry_posted", target=f"entry:{entry_id}", agent=agents[0] if agents else None,
                 actor=user, summary=f"{kind} ¥{amount} {reference or memo}".strip(),
                 data={"kind": kind, "amount": str(amount), "agents": agents, "loan": loan_id,
                       "reference": reference})


@transaction.atomic
def entry_reverse(*, entry: JournalEntry, user=None, memo: str = "", effective_date=None,
                  idempotency_key: str | None = None) -> JournalEntry:
    """Reverse a manual entry with an entry of negated postings (append-only correction)."""
    if entry.loan_id is not None:
        raise ValidationError(_("Entries of a loan are corrected through the loan's own actions."),
                              code="loan_entry")
    if entry.kind == EntryKind.REVERSAL:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new entry."), code="reversal")
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry has already been reversed."), code="already_reversed")
    key = idempotency_key or f"reversal:{entry.pk}"
    lines = [(p.account, -p.amount) for p in entry.postings.select_related("account")]
    reversal, _created = entry_post(
        idempotency_key=key, lines=lines, kind=EntryKind.REVERSAL,
        effective_date=effective_date or entry.effective_date, payload={"reverses": entry.pk},
        memo=memo or f"reversal of #{entry.pk}", user=user, reverses=entry,
    )
    return reversal


@transaction.atomic
def capital_contribute(*, agent, amount, on, idempotency_key, user=None) -> JournalEntry:
    """Paid-in capital (or opening funds) of an agent: its cash account against its capital."""
    values = collect(amount=lambda: parse_amount(amount), on=lambda: parse_date(on),
                     idempotency_key=lambda: parse_idempotency_key(idempotency_key))
    accounts = accounts_get([(agent.pk, AccountPurpose.CASH, None), (agent.pk, AccountPurpose.CAPITAL, None)])
    cash, capital = accounts[(agent.pk, AccountPurpose.CASH, None)], accounts[(agent.pk, AccountPurpose.CAPITAL, None)]
    entry, _created = entry_post(
        idempotency_key=f"capital:{values['idempotency_key']}",
        lines=[(cash, values["amount"]), (capital, -values["amount"])], kind=EntryKind.OPENING,
        effective_date=values["on"], user=user,
        payload={"agent": agent.pk, "amount": str(values["amount"]), "on": values["on"].isoformat()},
        memo="capital",
    )
    return entry


# --- any kind of money: transfers between agents -------------------------------------------------

@dataclass(frozen=True)
class Leg:
    """One line of a transfer: ``amount`` (debit positive, credit negative) on ``agent_id``'s
    shared account for ``purpose``."""

    agent_id: int
    purpose: str
    amount: Decimal


def _transfer_purpose(purpose: str) -> str:
    if purpose not in AccountPurpose.values:
        raise ValidationError(_("“%(purpose)s” is not an account purpose of the ledger."), code="invalid_purpose",
                              params={"purpose": purpose})
    if purpose in PER_LOAN_PURPOSES:
        raise ValidationError(_("A loan's own accounts move only through the loan's actions."),
                              code="loan_account")
    return purpose


@transaction.atomic
def transfer_post(*, idempotency_key, effective_date, legs: Sequence[Leg], kind: str = EntryKind.TRANSFER,
                  reference: str = "", memo: str = "", user=None) -> tuple[JournalEntry, bool]:
    """Post a balanced entry of ``legs`` on any agents' shared accounts (see the module docstring).
    Returns ``(entry, created)``; nothing is written when anything is wrong."""
    values = collect(idempotency_key=lambda: parse_idempotency_key(idempotency_key),
                     effective_date=lambda: parse_date(effective_date))
    if kind not in EntryKind.values or kind in LOAN_ENTRY_KINDS:
        raise ValidationError(_("This kind of entry is posted only by the loan services."), code="loan_kind")
    legs = list(legs)
    for leg in legs:
        _transfer_purpose(leg.purpose)
    amounts_check([leg.amount for leg in legs])
    specs = [account_spec(leg.agent_id, leg.purpose, None) for leg in legs]
    accounts = accounts_get(specs)
    payload = {"kind": kind, "date": values["effective_date"].isoformat(), "reference": reference,
               "legs": sorted([leg.agent_id, leg.purpose, str(leg.amount)] for leg in legs)}
    return entry_post(idempotency_key=values["idempotency_key"], kind=kind, effective_date=values["effective_date"],
                      lines=[(accounts[spec], leg.amount) for spec, leg in zip(specs, legs, strict=True)],
                      payload=payload, memo=memo, user=user, reference=reference)


@transaction.atomic
def money_move(*, idempotency_key, on, amount, payer, payer_purpose: str, payee, payee_purpose: str,
               kind: str = EntryKind.TRANSFER, reference: str = "", memo: str = "",
               user=None) -> tuple[JournalEntry, bool]:
    """Cash from ``payer`` to ``payee`` (agents or agent ids), each booking the counterpart on an
    account of its own (see the module docstring). ``amount`` is parsed by the one money parser:
    positive, exact to the fen, never a float."""
    value = collect(amount=lambda: parse_amount(amount))["amount"]
    payer_id, payee_id = getattr(payer, "pk", payer), getattr(payee, "pk", payee)
    if payer_id == payee_id:
        raise ValidationError(_("Money moves between two different agents."), code="same_agent")
    legs = [Leg(payer_id, AccountPurpose.CASH, -value), Leg(payer_id, _transfer_purpose(payer_purpose), value),
            Leg(payee_id, AccountPurpose.CASH, value), Leg(payee_id, _transfer_purpose(payee_purpose), -value)]
    return transfer_post(idempotency_key=idempotency_key, effective_date=on, legs=legs, kind=kind,
                         reference=reference, memo=memo, user=user)
