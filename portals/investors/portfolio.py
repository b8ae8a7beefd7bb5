"""An investor's portfolio: holdings with what is outstanding, cash received, expected and realised
return (XIRR), overdue items, concentration, and the Excel statement. A fixed number of queries
whatever the number of holdings (holdings, loan repayments, note movements, loan instalments).

Money is ``Decimal`` throughout; only the XIRR rate is a float (it is a rate, not money). XIRR is
the annual rate ``r`` with Σ amountᵢ / (1 + r)^(daysᵢ / 365) = 0 over the dated cash flows (money
out negative), found with ``scipy.optimize.brentq`` on a bracket where the sum changes sign.
Realised XIRR: the flows so far plus what is still outstanding, valued at par today. Expected XIRR:
the amounts invested and the contractual flows back (schedules, maturities).
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.money import ZERO, quantize
from clusterfinance.pool.choices import MovementKind
from clusterfinance.pool.models import SourceMovement
from lending.choices import InstalmentStatus
from lending.models import Instalment, Repayment

from .choices import HoldingStatus, OpportunityKind
from .models import Holding
from .services import expected_flows

# a warning when more than this share of the portfolio sits with one firm (diversified SME lending
# platforms advise at most 1 %); settings.INVESTOR_CONCENTRATION_WARNING overrides it
DEFAULT_CONCENTRATION_WARNING = Decimal("0.01")


def concentration_limit() -> Decimal:
    return Decimal(str(getattr(settings, "INVESTOR_CONCENTRATION_WARNING", DEFAULT_CONCENTRATION_WARNING)))


def xirr(flows: list[tuple[datetime.date, Decimal]]) -> float | None:
    """The annual internal rate of return of dated flows, or ``None`` when there is none (all
    flows of one sign, or no sign change on the bracket)."""
    flows = [(d, a) for d, a in flows if a]
    if not any(a < 0 for _d, a in flows) or not any(a > 0 for _d, a in flows):
        return None
    from scipy.optimize import brentq

    start = min(d for d, _a in flows)
    if max(d for d, _a in flows) == start:
        return None  # every flow on one day: no time, no rate
    points = [((d - start).days / 365.0, float(a)) for d, a in flows]

    def npv(rate: float) -> float:
        return sum(a / (1.0 + rate) ** t for t, a in points)

    low, high = -0.9999, 10.0
    if npv(low) * npv(high) > 0:
        return None
    return brentq(npv, low, high, xtol=1e-12, maxiter=200)


@dataclass
class Row:
    holding: Holding
    outstanding: Decimal
    received_principal: Decimal = ZERO
    received_income: Decimal = ZERO
    expected_income: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_days: int = 0
    counterparty: object = None

    @property
    def received(self) -> Decimal:
        return self.received_principal + self.received_income


@dataclass
class Portfolio:
    rows: list[Row]
    flows: list[tuple[datetime.date, Decimal, str]]  # (date, amount, label), money out negative
    expected: list[tuple[datetime.date, Decimal]]
    as_of: datetime.date
    limit: Decimal
    overdue_items: list[Instalment] = field(default_factory=list)

    @property
    def live(self) -> list[Row]:
        return [r for r in self.rows if r.holding.status != HoldingStatus.CANCELLED]

    @property
    def invested(self) -> Decimal:
        return sum((r.holding.amount for r in self.live), ZERO)

    @property
    def outstanding(self) -> Decimal:
        return sum((r.outstanding for r in self.live), ZERO)

    @property
    def received(self) -> Decimal:
        return sum((r.received for r in self.live), ZERO)

    @property
    def income(self) -> Decimal:
        return sum((r.received_income for r in self.live), ZERO)

    @property
    def expected_income(self) -> Decimal:
        return sum((r.expected_income for r in self.live), ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum((r.overdue for r in self.live), ZERO)

    @property
    def realised_xirr(self) -> float | None:
        terminal = [(self.as_of, self.outstanding)] if self.outstanding else []
        return xirr([(d, a) for d, a, _label in self.flows] + terminal)

    @property
    def expected_xirr(self) -> float | None:
        return xirr(self.expected)

    @property
    def by_firm(self) -> list[dict]:
        """Outstanding per counterparty with its share of the portfolio, largest first; ``warn``
        when a member firm's share passes the concentration limit."""
        total = self.outstanding
        per: dict[int, dict] = {}
        for r in self.live:
            if not r.outstanding:
                continue
            c = r.counterparty
            item = per.setdefault(c.pk, {"agent": c, "amount": ZERO, "firm": c.kind == "enterprise"})
            item["amount"] += r.outstanding
        result = []
        for item in sorted(per.values(), key=lambda i: (-i["amount"], i["agent"].pk)):
            item["share"] = (item["amount"] / total) if total else ZERO
            item["warn"] = item["firm"] and item["share"] > self.limit
            result.append(item)
        return result

    @property
    def warnings(self) -> list[dict]:
        return [i for i in self.by_firm if i["warn"]]


def portfolio_of(investor, *, as_of: datetime.date | None = None) -> Portfolio:
    as_of = as_of or timezone.localdate()
    holdings = list(Holding.objects.filter(investor=investor)
                    .select_related("opportunity__issuer", "opportunity__cluster__finance_company", "fund_source",
                                    "loan").order_by("-invested_on", "-pk"))
    loan_ids = [h.loan_id for h in holdings if h.loan_id]
    source_ids = [h.fund_source_id for h in holdings if h.fund_source_id]
    repayments = defaultdict(list)
    for rep in Repayment.objects.filter(loan_id__in=loan_ids).order_by("paid_on", "pk") if loan_ids else ():
        repayments[rep.loan_id].append(rep)
    movements = defaultdict(list)
    for mv in (SourceMovement.objects.filter(source_id__in=source_ids).order_by("on", "pk") if source_ids else ()):
        movements[mv.source_id].append(mv)
    instalments = defaultdict(list)
    for inst in (Instalment.objects.filter(loan_id__in=loan_ids).exclude(status=InstalmentStatus.SUPERSEDED)
                 .select_related("loan__borrower").order_by("due_date", "pk") if loan_ids else ()):
        instalments[inst.loan_id].append(inst)

    rows, flows, expected, overdue_items = [], [], [], []
    for h in holdings:
        kind = h.opportunity.kind
        counterparty = h.opportunity.cluster.finance_company if kind == OpportunityKind.NOTE else h.opportunity.issuer
        row = Row(holding=h, outstanding=ZERO, counterparty=counterparty)
        label = h.opportunity.title
        if h.status == HoldingStatus.CANCELLED:
            rows.append(row)
            continue
        flows.append((h.invested_on, -h.amount, _("Invested · %(title)s") % {"title": label}))
        expected.append((h.invested_on, -h.amount))
        if kind == OpportunityKind.DIRECT_LOAN and h.loan_id:
            loan = h.loan
            row.outstanding = loan.principal_outstanding
            for rep in repayments[loan.pk]:
                row.received_principal += rep.principal_amount
                row.received_income += rep.interest_amount + rep.penalty_amount
                flows.append((rep.paid_on, rep.amount, _("Repayment · %(title)s") % {"title": label}))
            for inst in instalments[loan.pk]:
                row.expected_income += inst.interest_due
                expected.append((inst.due_date, inst.principal_due + inst.interest_due))
                unpaid = (inst.principal_due - inst.principal_paid) + (inst.interest_due - inst.interest_paid)
                if inst.due_date < as_of and unpaid > 0:
                    row.overdue += unpaid
                    row.overdue_days = max(row.overdue_days, (as_of - inst.due_date).days)
                    overdue_items.append(inst)
        elif kind == OpportunityKind.NOTE and h.fund_source_id:
            row.outstanding = h.fund_source.outstanding
            for mv in movements[h.fund_source_id]:
                if mv.kind == MovementKind.OUT:
                    row.received_principal += mv.amount
                elif mv.kind == MovementKind.INTEREST:
                    row.received_income += mv.amount
                if mv.kind != MovementKind.IN:
                    flows.append((mv.on, mv.amount, _("From the note · %(title)s") % {"title": label}))
            for on, principal, interest in expected_flows(h.opportunity, h.amount, h.invested_on):
                row.expected_income += interest
                expected.append((on, principal + interest))
            if h.maturity_date < as_of and row.outstanding:
                row.overdue, row.overdue_days = row.outstanding, (as_of - h.maturity_date).days
        else:  # a deposit: outstanding until its maturity, interest at maturity
            row.outstanding = h.amount
            for on, principal, interest in expected_flows(h.opportunity, h.amount, h.invested_on):
                row.expected_income += interest
                expected.append((on, principal + interest))
        row.expected_income = quantize(row.expected_income)
        rows.append(row)
    flows.sort(key=lambda f: f[0])
    return Portfolio(rows=rows, flows=flows, expected=expected, as_of=as_of, limit=concentration_limit(),
                     overdue_items=overdue_items)


def portfolio_workbook(investor, portfolio: Portfolio) -> bytes:
    """The statement as an Excel workbook: summary, holdings, cash flows, concentration."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(ws, title, header, rows):
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for r in rows:
            ws.append(r)
        for col in ws.columns:
            longest = max(len(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = max(12, min(40, longest + 2))

    def rate(value):
        return round(value, 6) if value is not None else ""

    sheet(wb.active, _("Summary"), [_("Item"), _("Value")], [
        [_("Investor"), investor.name], [_("As of"), portfolio.as_of],
        [_("Invested"), portfolio.invested], [_("Outstanding"), portfolio.outstanding],
        [_("Received"), portfolio.received], [_("Income received"), portfolio.income],
        [_("Expected income"), portfolio.expected_income], [_("Overdue"), portfolio.overdue],
        [_("Realised return (XIRR)"), rate(portfolio.realised_xirr)],
        [_("Expected return (XIRR)"), rate(portfolio.expected_xirr)],
    ])
    sheet(wb.create_sheet(), _("Holdings"),
          [_("Kind"), _("Opportunity"), _("Counterparty"), _("Risk level"), _("Invested on"), _("Matures on"),
           _("Amount"), _("Outstanding"), _("Received"), _("Expected income"), _("Overdue"), _("Status")],
          [[r.holding.opportunity.get_kind_display(), r.holding.opportunity.title, r.counterparty.name,
            r.holding.risk_level, r.holding.invested_on, r.holding.maturity_date, r.holding.amount, r.outstanding,
            r.received, r.expected_income, r.overdue, r.holding.get_status_display()] for r in portfolio.rows])
    sheet(wb.create_sheet(), _("Cash flows"), [_("Date"), _("Amount"), _("What")],
          [[d, a, label] for d, a, label in portfolio.flows])
    sheet(wb.create_sheet(), _("Concentration"), [_("Counterparty"), _("Outstanding"), _("Share"), _("Warning")],
          [[i["agent"].name, i["amount"], float(round(i["share"], 6)), _("Yes") if i["warn"] else ""]
           for i in portfolio.by_firm])
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
