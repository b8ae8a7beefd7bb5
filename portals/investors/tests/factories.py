import datetime

import factory

from agents.choices import AgentKind
from agents.tests.factories import AgentFactory
from portals.investors.models import InvestorProfile


class InvestorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvestorProfile

    agent = factory.SubFactory(AgentFactory, kind=AgentKind.INVESTOR, name=factory.Sequence(lambda n: f"投资者{n}"),
                               credit_code="", industry_code="", size_class="")
    investor_type = "individual"
    suitability = "C3"
    assessed_on = datetime.date(2026, 1, 10)


def open_offers(world):
    """A note of the cluster's finance company, a loan need of the firm (rated A: R3) and a
    deposit of the bank, opened by their own staff through the services."""
    from portals.investors.services import opportunity_open

    world.firm.current_grade = "A"
    world.firm.save(update_fields=["current_grade"])
    note = opportunity_open(user=world.users["finance"], kind="note", issuer=world.finance_company,
                            cluster=world.cluster, title="集群票据 2026-1期", annual_rate="0.05", term_months=12,
                            size="2000000", min_amount="1000",
                            risk_disclosure="Repaid from the finance company's pool.")
    loan = opportunity_open(user=world.users["enterprise"], kind="direct_loan", issuer=world.firm,
                            title="设备更新借款", annual_rate="0.08", term_months=12, size="800000",
                            min_amount="1000", method="equal_instalment", purpose="New looms.",
                            risk_disclosure="Repaid by one firm; you may lose money.")
    deposit = opportunity_open(user=world.users["institution"], kind="deposit", issuer=world.bank,
                               title="一年期定期存款", annual_rate="0.0175", term_months=12, min_amount="1000",
                               risk_disclosure="Covered by deposit insurance up to ¥500,000.")
    return note, loan, deposit
