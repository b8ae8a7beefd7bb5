"""The mutual guarantee fund: contributions, guarantees under the leverage cap, claims through
maker-checker to payout and recovery, the firm-to-firm network and its circle alerts."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agents.tests.factories import ClusterMembershipFactory
from clusterfinance.guarantees import selectors, services
from clusterfinance.guarantees.models import ClaimStatus, FundGuarantee, GuaranteeClaim, GuaranteeStatus
from infocenter.models import Alert, Notification
from infocenter.services.events import events_dispatch
from lending.choices import AccountPurpose as P
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account, JournalEntry
from lending.models import Instalment, Loan
from lending.tests.factories import make_loan
from portals.enterprises.tests.factories import EnterpriseProfileFactory

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 3, 2)


def balance(agent, purpose):
    account = Account.objects.filter(agent=agent, purpose=purpose, loan__isnull=True).first()
    return account.balance if account else D("0.00")


def contribute(world, fund, contributor, amount, key):
    return services.guarantee_contribution_record(user=world.users["finance_analyst"], fund=fund,
                                                  contributor=contributor, amount=amount, on=DAY,
                                                  idempotency_key=key)


@pytest.fixture
def fund(world):
    return services.fund_for(world.cluster)


def test_contributions_and_fee_build_the_capital_in_the_ledger(world, fund):
    contribute(world, fund, world.firm, "100000.00", "c1")
    contribute(world, fund, world.gov, "400000.00", "c2")
    assert selectors.fund_capital(fund) == D("500000.00")
    assert balance(world.firm, P.PLACEMENTS) == D("100000.00")
    assert balance(world.finance_company, P.GUARANTEE_FUND) == D("-500000.00")
    # a 12-month loan of 120,000 from the bank, 80 % covered: 96,000 guaranteed, fee 1 % a year
    loan = make_loan(world, lender="bank", amount="120000.00", periods=12)
    g = services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="80%",
                                      issued_on=DAY, idempotency_key="g1")
    assert (g.amount, g.fee) == (D("96000.00"), D("960.00"))
    assert balance(world.firm, P.FEE_EXPENSE) == D("960.00")
    assert selectors.fund_capital(fund) == D("500960.00")
    assert selectors.fund_outstanding(fund) == D("96000.00")
    report = ledger_verify()
    assert report.ok and report.subledgers["guarantee_fund"]["count"] == 1
    # a retry of the same request answers with the first guarantee, posting nothing
    entries = JournalEntry.objects.count()
    again = services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan,
                                          coverage="80%", issued_on=DAY, idempotency_key="g1")
    assert again.pk == g.pk and JournalEntry.objects.count() == entries


def test_leverage_cap_refuses_clearly_and_posts_nothing(world, fund):
    contribute(world, fund, world.firm, "10000.00", "c1")  # cap 10× → ¥100,000 at most
    loan = make_loan(world, lender="bank", amount="200000.00", periods=12)
    entries = JournalEntry.objects.count()
    with pytest.raises(ValidationError, match=r"at most ¥100,000\.00 more"):
        services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="0.6",
                                      issued_on=DAY, idempotency_key="g1")
    assert JournalEntry.objects.count() == entries and not FundGuarantee.objects.exists()
    assert balance(world.firm, P.FEE_EXPENSE) == D("0.00")
    # half the loan fits
    services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="0.5",
                                  issued_on=DAY, idempotency_key="g2")
    assert selectors.fund_headroom(fund) == D("10000.00")  # the ¥1,000 fee added to the capital, times 10
    assert ledger_verify().ok


def test_bad_input_is_refused_and_changes_nothing(world, fund):
    loan = make_loan(world, lender="bank", amount="12000.00")
    for coverage in ("abc", "150%", 0.5, ""):
        with pytest.raises(ValidationError):
            services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan,
                                          coverage=coverage, issued_on=DAY, idempotency_key=f"x{coverage}")
    with pytest.raises(ValidationError, match="financial institutions"):
        services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=make_loan(world),
                                      coverage="0.5", issued_on=DAY, idempotency_key="fc-loan")
    with pytest.raises(PermissionDenied):
        services.guarantee_contribution_record(user=world.users["enterprise"], fund=fund, contributor=world.firm,
                                               amount="100.00", on=DAY, idempotency_key="c1")
    assert not JournalEntry.objects.filter(idempotency_key__startswith="guarantee:").exists()


def test_claim_raise_approve_pay_and_recover_to_the_fen(world, fund):
    contribute(world, fund, world.gov, "1000000.00", "c1")
    loan = make_loan(world, lender="bank", amount="120000.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    g = services.fund_guarantee_issue(user=world.users["finance_analyst"], fund=fund, loan=loan, coverage="0.7",
                                      issued_on=date(2026, 1, 15), idempotency_key="g1")
    on = date(2026, 6, 1)
    # nothing repaid: four instalments are due by June 1st; the loan is 107 days past due
    Loan.objects.filter(pk=loan.pk).update(dpd=107)
    unpaid = sum((i.interest_due for i in Instalment.objects.filter(loan=loan, due_date__lte=on)), D("0.00"))
    assert services.guarantee_claims_raise(on=on)["raised"] == 1
    assert services.guarantee_claims_raise(on=on)["raised"] == 0  # one claim per guarantee
    claim = GuaranteeClaim.objects.get()
    expected = (D("0.7") * (D("120000.00") + unpaid)).quantize(D("0.01"))
    assert (claim.principal, claim.interest, claim.amount) == (D("120000.00"), unpaid, expected)
    g.refresh_from_db()
    assert g.status == GuaranteeStatus.CLAIMED

    analyst, manager = world.users["finance_analyst"], world.users["finance"]
    with pytest.raises(ValidationError, match="approved"):
        services.guarantee_claim_pay(user=analyst, claim=claim, on=on, idempotency_key="p0")
    services.guarantee_claim_prepare(user=manager, claim=claim)
    with pytest.raises(PermissionDenied, match="prepared this claim"):
        services.guarantee_claim_approve(user=manager, claim=claim)  # the preparer may not approve
    with pytest.raises(PermissionDenied):
        services.guarantee_claim_approve(user=analyst, claim=claim)  # an analyst is no manager
    claim.status = ClaimStatus.RAISED
    GuaranteeClaim.objects.filter(pk=claim.pk).update(status=ClaimStatus.RAISED, prepared_by=None)
    services.guarantee_claim_prepare(user=analyst, claim=claim)
    services.guarantee_claim_approve(user=manager, claim=claim)
    bank_cash = balance(world.bank, P.CASH)
    services.guarantee_claim_pay(user=analyst, claim=claim, on=on, idempotency_key="p1")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.approved_by == manager
    assert balance(world.bank, P.CASH) - bank_cash == expected
    assert balance(world.bank, P.RECOVERY_INCOME) == -expected
    assert selectors.fund_capital(fund) == D("1000000.00") + g.fee - expected
    assert ledger_verify().ok

    services.guarantee_recovery_record(user=analyst, claim=claim, amount="10000.01", on=date(2026, 9, 1),
                                       idempotency_key="r1")
    with pytest.raises(ValidationError, match="still to recover"):
        services.guarantee_recovery_record(user=analyst, claim=claim, amount=expected, on=date(2026, 9, 2),
                                           idempotency_key="r2")
    claim.refresh_from_db()
    assert claim.recovered == D("10000.01")
    assert balance(world.firm, P.GUARANTEE_REIMBURSED) == D("10000.01")
    view = selectors.fund_view(fund)
    assert view.claims_paid == expected and view.recovered == D("10000.01")
    assert view.loss == expected - D("10000.01")
    assert view.losses_by_year[0]["year"] == 2026
    report = ledger_verify()
    assert report.ok and not report.subledgers["guarantee_fund"]["problems"]


def member(world, name):
    firm = EnterpriseProfileFactory(agent__name=name).agent
    ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    return firm


def test_a_guarantee_that_closes_a_circle_alerts_the_government_and_the_finance_company(world, fund):
    a, b, c = world.firm, world.other_firm, member(world, "丙公司")
    user = world.users["finance_analyst"]
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=a, borrower=b, amount="300000.00")
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=b, borrower=c, amount="200000.00")
    events_dispatch()
    assert not Alert.objects.exists()
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=c, borrower=a, amount="100000.00")
    events_dispatch()
    alert = Alert.objects.get(government=world.gov)
    assert "丙公司" in alert.text and "closed the circle" in alert.text
    assert Notification.objects.filter(user=world.users["finance"], kind="guarantee_circle.flagged").exists()
    view = selectors.network_view(fund=fund)
    assert [c_.exposure for c_ in view.circles] == [D("600000.00")]
    stress = view.stress([b.pk])
    assert stress["total_called"] > 0
    with pytest.raises(ValidationError, match="itself"):
        services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=a, borrower=a, amount="1.00")


def test_a_circle_past_its_share_of_equity_is_flagged(world, fund):
    a, b = world.firm, world.other_firm
    user = world.users["finance_analyst"]
    services.firm_capacity_set(user=user, fund=fund, firm=a, capacity="100000.00")
    services.firm_capacity_set(user=user, fund=fund, firm=b, capacity="100000.00")
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=a, borrower=b, amount="50000.00")
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=b, borrower=a, amount="40000.00")
    events_dispatch()
    assert Alert.objects.count() == 1  # closing the circle (90,000 of 200,000 equity: 45 %)
    services.firm_guarantee_record(user=user, cluster=world.cluster, guarantor=a, borrower=b, amount="20000.00")
    events_dispatch()
    assert Alert.objects.count() == 2  # now 55 % of the members' equity, above the 50 % share
    assert "55.0%" in Alert.objects.order_by("-pk").first().text
