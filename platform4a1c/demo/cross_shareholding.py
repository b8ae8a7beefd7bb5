"""Demo step: the regional bank model (区域银行). The first institution (the rural commercial
bank) holds 8 % of a member firm, which in turn holds 1.5 % of the bank — two cross-shareholdings,
recorded by the finance company through the page's services (each published in the business
module) — and the bank seconds a manager to the firm's supervisory board. The firm then borrows
from the bank: the application is flagged related-party, checked against 10 % of the bank's
capital and approved by the bank's manager (not the seconded person), contracted and paid out;
the monthly disclosure's related-party line counts it. Idempotent: found by the holding and the
application's purpose."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agents.choices import Role
from clusterfinance.schemes.cross_shareholding import services
from lending import services as lending
from lending.models import Application, LendingHold, LendingStanding, Product, SecondedManager, Shareholding

from .loans import _owner

PURPOSE = "关联方贷款：银行参股企业的技改流动资金"


def _related_loan(world, bank, firm, user):
    users = world["users"]
    product = Product.objects.filter(lender=bank, borrower_kind="enterprise", is_active=True) \
        .order_by("min_amount", "pk").first()
    amount = max(product.min_amount, min(product.max_amount, 800000))
    periods = max(product.min_periods, min(product.max_periods, 12))
    app = lending.application_create(product=product, applicant=firm, user=user, amount=amount, periods=periods,
                                     annual_rate=product.rate_max, purpose=PURPOSE, submit=True)
    lending.application_review(application=app, user=users[Role.INST_OFFICER], recommendation="approve",
                               note="关联方贷款，按关联交易规则审查")
    lending.application_decide(application=app, user=users[Role.INST_MANAGER], approve=True)
    loan = lending.application_contract(application=app, user=user)
    lending.loan_disburse(loan=loan, user=users[Role.INST_OFFICER], disbursed_on=timezone.localdate(),
                          idempotency_key=f"demo-related-party-{app.pk}")
    return app


def seed(world: dict, out) -> None:
    bank, fc = world["institutions"][0], world["finance_company"]
    recorder = world["users"][Role.FC_MANAGER]
    existing = Application.objects.filter(lender=bank, purpose=PURPOSE, related_party=True).first()
    if existing is not None:
        out.write(f"  cross-shareholding: already seeded ({existing.applicant.name})")
        return
    blocked = set(LendingStanding.objects.filter(suspended_since__isnull=False).values_list("firm_id", flat=True)) \
        | set(LendingHold.objects.values_list("firm_id", flat=True))
    for firm in world["firms"][1:]:
        if firm.pk in blocked or Shareholding.objects.filter(held=firm).exists():
            continue
        try:
            with transaction.atomic():
                services.cross_shareholding_record(user=recorder, acting=fc, holder=bank, held=firm, shares=800000,
                                                   percentage="8", since=date(2023, 6, 30))
                services.cross_shareholding_record(user=recorder, acting=fc, holder=firm, held=bank, shares=1500000,
                                                   percentage="1.5", since=date(2024, 1, 15))
                if not SecondedManager.objects.filter(bank=bank, firm=firm).exists():
                    services.seconded_manager_add(user=recorder, acting=fc, bank=bank, firm=firm, person_name="周建华",
                                                  board="supervisory", since=date(2023, 7, 1))
                app = _related_loan(world, bank, firm, _owner(world, firm))
        except (ValidationError, PermissionDenied):
            continue  # this firm cannot borrow from the bank now (grade, limit): try the next
        amount = Application.objects.get(pk=app.pk).approved_amount
        out.write(f"  cross-shareholding: {bank.name} ↔ {firm.name}, related-party loan {amount}")
        return
    out.write("  cross-shareholding: no member firm could borrow from the bank")
