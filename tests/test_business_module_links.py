"""Every loan, credit line, government fund, member deposit and mutual-fund guarantee is reported
once to the centre's business module, with its parties and amount, and read by both parties."""

from datetime import date

import pytest

from clusterfinance.guarantees import services as guarantees
from clusterfinance.pool.choices import GovernmentFundPurpose, SourceKind
from clusterfinance.pool.services import fund_source_open
from infocenter.choices import Category
from infocenter.models import Event, Publication
from infocenter.tests.factories import user_of
from lending import services as lending
from lending.tests.factories import make_loan

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def records(kind):
    return list(Publication.objects.filter(category=Category.BUSINESS_RECORD, data__kind=kind))


@pytest.mark.parametrize(("lender", "link"), [("bank", "d"), ("finance", "3")])
def test_a_disbursed_loan_is_recorded_once_with_its_link(world, lender, link):
    loan = make_loan(world, lender=lender, amount="30000.00")
    [record] = records("loan")
    assert record.data["link"] == link and record.data["amount"] == "30000.00"
    assert {p["role"]: p["id"] for p in record.data["parties"]} == {"borrower": world.firm.pk,
                                                                   "lender": loan.lender_id}
    lending.loan_disburse(loan=loan, user=world.users["finance_analyst" if lender == "finance" else
                                                      "institution_officer"],
                          disbursed_on=loan.disbursed_on, idempotency_key=f"disburse-{loan.pk}")  # a retry
    assert len(records("loan")) == 1
    assert Event.objects.filter(kind="business.recorded").count() == 1
    for agent in (world.firm, loan.lender):
        assert Publication.objects.restrict(user_of(agent), "view").filter(pk=record.pk).exists()


def test_pool_sources_are_recorded_and_notes_are_left_to_their_subscriptions(world):
    analyst = world.users["finance_analyst"]
    fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.CREDIT_LINE, counterparty=world.bank,
                     annual_rate="0.045", opened_on=DAY, limit="5000000.00", maturity_date="2027-03-01")
    fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.GOVERNMENT_FUND, counterparty=world.gov,
                     annual_rate="0", opened_on=DAY, fund_purpose=GovernmentFundPurpose.RISK_COMPENSATION)
    fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.MEMBER_DEPOSIT, counterparty=world.firm,
                     annual_rate="0.015", opened_on=DAY, notice_days=7)
    fund_source_open(user=analyst, cluster=world.cluster, kind=SourceKind.NOTE, counterparty=world.investor,
                     annual_rate="0.05", opened_on=DAY, limit="200000.00", maturity_date="2027-03-01")
    [line] = records(SourceKind.CREDIT_LINE)
    assert line.subject_id == world.finance_company.pk and line.publisher_id == world.bank.pk
    assert line.data["amount"] == "5000000.00"
    assert len(records(SourceKind.GOVERNMENT_FUND)) == 1
    [deposit] = records(SourceKind.MEMBER_DEPOSIT)
    assert deposit.subject_id == world.firm.pk
    assert records(SourceKind.NOTE) == []


def test_a_fund_guarantee_is_recorded(world):
    fund = guarantees.fund_for(world.cluster)
    guarantees.guarantee_contribution_record(user=world.users["finance_analyst"], fund=fund, contributor=world.gov,
                                             amount="500000.00", on=DAY, idempotency_key="c1")
    loan = make_loan(world, lender="bank", amount="120000.00", periods=12)
    guarantees.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="80%",
                                    issued_on=DAY, idempotency_key="g1")
    [record] = records("fund_guarantee")
    assert record.data["amount"] == "96000.00" and record.subject_id == world.firm.pk
    assert record.data["lender"] == world.bank.pk
