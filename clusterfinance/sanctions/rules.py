"""The reward and penalty rules, as data and pure functions.

A rule looks at one loan's facts (``LoanFacts``, no database) and returns the ``Sanction`` it
calls for, or None. ``RULES`` is the rule book applied today; a caller may pass its own (the
configurable rules of a later release plug in here). Each sanction has a ``code`` that is unique
per loan: it becomes the publication's key, so a sanction is published once however often the
rules run.

The finance company's own rules (``SanctionRule``: a rate discount after N on-time months, new
money suspended after D days past due, a warning after a verified negative report, the release
of a suspension once the arrears are paid) are firm-level and set-based: their parameters are
checked here (``PARAMS``, ``rule_params_clean``, pure), the firms they fire on are found by
``selectors`` in one query per rule, and ``services.sanction_rules_apply`` records, discloses and
feeds them back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.money import quantize
from lending.choices import LoanClass, LoanStatus

REWARD, PENALTY = "reward", "penalty"
# More than this many days past due is a penalty (non-performing by days past due).
PENALTY_DPD = 90
PENALTY_CLASSES = (LoanClass.DOUBTFUL, LoanClass.LOSS)


@dataclass(frozen=True)
class LoanFacts:
    """What the rules may know about a loan."""

    loan_id: int
    contract_no: str
    borrower_name: str
    status: str
    dpd: int
    loan_class: str
    principal_outstanding: Decimal
    paid_late: bool  # some instalment was paid in full after its due date

    @classmethod
    def of(cls, loan) -> LoanFacts:
        """From a loan read by ``lending.selectors.loans_to_disclose`` (borrower and ``paid_late``)."""
        return cls(loan_id=loan.pk, contract_no=loan.contract_no, borrower_name=loan.borrower.name,
                   status=loan.status, dpd=loan.dpd, loan_class=loan.loan_class,
                   principal_outstanding=loan.principal_outstanding, paid_late=bool(loan.paid_late))


@dataclass(frozen=True)
class Sanction:
    """A reward or a penalty a rule calls for: its kind, its code (unique per loan), the title
    and body of its publication, and its structured data."""

    kind: str
    code: str
    title: str
    body: str
    data: dict = field(default_factory=dict)

    def key(self, loan_id: int) -> str:
        return f"loan-{loan_id}-{self.code}"


Rule = Callable[[LoanFacts], Sanction | None]


def _money(value) -> str:
    return f"{quantize(Decimal(value)):,}"


def reward_repaid_on_time(loan: LoanFacts) -> Sanction | None:
    """A loan repaid in full with every instalment on time is rewarded."""
    if loan.status != LoanStatus.CLOSED or loan.paid_late:
        return None
    return Sanction(kind=REWARD, code="reward", title=_("Reward: loan repaid in full and on time"),
                    body=_("%(firm)s repaid loan %(no)s in full, every instalment on time.")
                    % {"firm": loan.borrower_name, "no": loan.contract_no},
                    data={"loan_id": loan.loan_id, "sanction": REWARD})


def penalty_non_performing(loan: LoanFacts) -> Sanction | None:
    """A loan more than 90 days past due, classified doubtful or loss, or written off is penalised
    (a write-off is its own penalty, after a 90-days one)."""
    written_off = loan.status == LoanStatus.WRITTEN_OFF
    if not (written_off or loan.dpd > PENALTY_DPD or loan.loan_class in PENALTY_CLASSES):
        return None
    return Sanction(kind=PENALTY, code="penalty-write-off" if written_off else "penalty-npl",
                    title=(_("Penalty: loan written off") if written_off else _("Penalty: more than 90 days overdue")),
                    body=_("%(firm)s: loan %(no)s, %(dpd)s days past due, outstanding %(out)s yuan.")
                    % {"firm": loan.borrower_name, "no": loan.contract_no, "dpd": loan.dpd,
                       "out": _money(loan.principal_outstanding)},
                    data={"loan_id": loan.loan_id, "sanction": PENALTY, "dpd": loan.dpd})


RULES: tuple[Rule, ...] = (reward_repaid_on_time, penalty_non_performing)


def sanctions_for(loan: LoanFacts, rules: Iterable[Rule] = RULES) -> list[Sanction]:
    """The sanctions the rules call for on one loan, in rule order."""
    return [s for s in (rule(loan) for rule in rules) if s is not None]


# --- the configurable rules of the finance company (parameters as data, checked here) -----------

@dataclass(frozen=True)
class Param:
    """One parameter of a kind of rule: an integer or a decimal within bounds."""

    name: str
    label: object  # lazy text
    kind: str  # "int" or "decimal"
    minimum: Decimal
    maximum: Decimal
    default: str
    help: object = ""


PARAMS: dict[str, tuple[Param, ...]] = {
    "on_time_discount": (
        Param("months", gettext_lazy("Consecutive on-time months"), "int", Decimal(1), Decimal(60), "12",
              gettext_lazy("Complete calendar months in a row, each with an instalment due, all paid in full by the due date.")),
        Param("discount_pp", gettext_lazy("Discount (percentage points a year)"), "decimal", Decimal("0.01"), Decimal("5"),
              "0.50", gettext_lazy("Taken off the annual rate of the firm's new loans from the finance company.")),
    ),
    "dpd_suspension": (
        Param("days", gettext_lazy("Days past due"), "int", Decimal(1), Decimal(3650), "90",
              gettext_lazy("New money is suspended when a loan of the firm is at least this many days past due.")),
    ),
    "negative_report_warning": (
        Param("window_days", gettext_lazy("Reports verified within (days)"), "int", Decimal(1), Decimal(3650), "365",
              gettext_lazy("Only negative reports verified within this many days lead to a warning.")),
    ),
    "arrears_release": (),
}


def rule_params_clean(kind: str, raw: dict | None) -> dict:
    """The parameters of a rule of ``kind``, checked and normalised (strings of decimals, ints):
    a translated error per parameter when one is missing, not a number, or out of bounds.
    Pure: no query."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    if kind not in PARAMS:
        raise ValidationError({"kind": gettext("Unknown kind of rule.")})
    raw = raw or {}
    clean, errors = {}, {}
    for p in PARAMS[kind]:
        text = str(raw.get(p.name, "") if raw.get(p.name) is not None else "").strip()
        if not text:
            errors[p.name] = gettext("Enter a value.")
            continue
        try:
            value = Decimal(text)
        except ArithmeticError:
            value = None
        if value is None or not value.is_finite():
            errors[p.name] = gettext("“%(value)s” is not a number.") % {"value": text[:20]}
            continue
        if p.kind == "int" and value != value.to_integral_value():
            errors[p.name] = gettext("Enter a whole number.")
            continue
        if not p.minimum <= value <= p.maximum:
            errors[p.name] = gettext("Enter a value from %(min)s to %(max)s.") % {"min": p.minimum, "max": p.maximum}
            continue
        clean[p.name] = int(value) if p.kind == "int" else format(value.quantize(Decimal("0.01")), "f")
    if errors:
        raise ValidationError(errors)
    return clean


def rule_params_text(kind: str, params: dict) -> str:
    """The rule in one sentence, in the current language."""
    if kind == "on_time_discount":
        return _("%(pp)s percentage points off the rate of new loans after %(n)s consecutive on-time months") % {
            "pp": params.get("discount_pp"), "n": params.get("months")}
    if kind == "dpd_suspension":
        return _("new money suspended when a loan is %(d)s or more days past due") % {"d": params.get("days")}
    if kind == "negative_report_warning":
        return _("a warning for each negative report verified within %(d)s days") % {"d": params.get("window_days")}
    return _("a suspension is released once the firm has no arrears left")


def months_back(today, n: int):
    """The first day of the month ``n`` months before ``today``'s month."""
    year, month = today.year, today.month - n
    while month <= 0:
        month += 12
        year -= 1
    return today.replace(year=year, month=month, day=1)


# How the structured data of a reward or penalty publication reads in the centre (labels in the
# reader's language; keys a publication lacks are skipped, so the loan rules' data reads too).
def display_register() -> None:
    """Called from ``ClusterFinanceConfig.ready()``."""
    from infocenter.choices import Category
    from infocenter.data_display import DataField, data_layout_register

    data_layout_register(Category.SANCTION, (
        DataField("discount_pp", gettext_lazy("Discount (percentage points a year)")),
        DataField("months", gettext_lazy("Consecutive on-time months"), "count"),
        DataField("instalments", gettext_lazy("Instalments paid on time"), "count"),
        DataField("from", gettext_lazy("From")),
        DataField("to", gettext_lazy("To")),
        DataField("dpd", gettext_lazy("Days past due"), "count"),
        DataField("threshold_days", gettext_lazy("Threshold (days past due)"), "count"),
        DataField("loans", gettext_lazy("Loans past due"), "count"),
        DataField("principal", gettext_lazy("Outstanding principal"), "yuan"),
        DataField("arrears", gettext_lazy("Arrears"), "yuan"),
        DataField("title", gettext_lazy("Report")),
        DataField("verified_on", gettext_lazy("Verified on")),
        DataField("suspended_on", gettext_lazy("Suspended on")),
    ))
