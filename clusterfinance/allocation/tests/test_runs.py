"""Allocation runs: prepared by an analyst, approved by another manager, executed through
lending (loans disbursed, ledger still verifies), disclosed; the pages and their errors."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clusterfinance.allocation.choices import RunStatus
from clusterfinance.allocation.models import AllocationRun
from clusterfinance.allocation.services import allocation_run_decide, allocation_run_execute, allocation_run_prepare
from clusterfinance.pool.choices import SourceKind
from clusterfinance.pool.services import fund_money_in, fund_source_open, pool_cash
from infocenter.models import Publication
from lending.choices import LoanStatus
from lending.ledger.checks import ledger_verify
from lending.models import Loan
from lending.tests.factories import make_contract

pytestmark = pytest.mark.django_db
D = Decimal
PARAMS = {"reserve_floor": "0.1", "single_borrower_cap": "1", "industry_cap": "1", "lgd": "0.45"}


def fund(world, amount="100000.00"):
    source = fund_source_open(user=world.users["finance_analyst"], cluster=world.cluster,
                              kind=SourceKind.CREDIT_LINE, counterparty=world.bank, annual_rate="0.03",
                              limit="1000000.00", opened_on=date(2026, 1, 2), maturity_date="2030-01-01")
    fund_money_in(user=world.users["finance_analyst"], source=source, amount=amount, on=date(2026, 1, 2),
                  idempotency_key=f"fund-{source.pk}")
    return source


def rate(world):
    """Both firms rated A with a PD of 1% (an unrated firm counts as grade C, PD 30%: never profitable)."""
    for firm in (world.firm, world.other_firm):
        firm.current_grade, firm.current_pd = "A", D("0.01")
        firm.save(update_fields=["current_grade", "current_pd"])


def queue(world):
    """Two contracted applications of the finance company (12,000 and 30,000 at 12%)."""
    from agents.choices import Role
    from agents.tests.factories import MembershipFactory

    owner = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER).user
    rate(world)
    return [make_contract(world, amount="12000.00"),
            make_contract(world, amount="30000.00", borrower=world.other_firm, borrower_user=owner)]


def test_analyst_prepares_a_manager_approves_and_execution_disburses(world):
    fund(world)
    small, large = queue(world)
    analyst, manager = world.users["finance_analyst"], world.users["finance"]
    run = allocation_run_prepare(user=analyst, cluster=world.cluster, **PARAMS)
    assert run.status == RunStatus.DRAFT and D(run.result["lent"]) == D("42000.00")
    assert {a["id"] for a in run.problem["applications"]} == {str(small.application_id), str(large.application_id)}
    with pytest.raises(ValidationError, match="approved"):
        allocation_run_execute(user=analyst, run=run)  # not yet approved: refused, nothing disbursed
    assert not Loan.objects.filter(status=LoanStatus.ACTIVE).exists()
    allocation_run_decide(user=manager, run=run, approve=True)
    run.refresh_from_db()
    # the manager approved the applications, so the analyst disburses (lending's maker-checker)
    run = allocation_run_execute(user=analyst, run=run)
    assert run.status == RunStatus.EXECUTED and D(run.execution["disbursed"]) == D("42000.00")
    assert Loan.objects.filter(status=LoanStatus.ACTIVE).count() == 2
    assert pool_cash(world.cluster) == D("58000.00")
    assert ledger_verify().ok
    members = Publication.objects.get(key=f"allocation-run-{run.pk}")
    named = Publication.objects.get(key=f"allocation-run-{run.pk}-named")
    assert world.firm.name not in str(members.data) and world.firm.name in str(named.data)
    assert named.visibility == "government"


def test_maker_checker_preparer_and_analyst_cannot_approve(world):
    fund(world)
    queue(world)
    manager, analyst = world.users["finance"], world.users["finance_analyst"]
    own = allocation_run_prepare(user=manager, cluster=world.cluster, **PARAMS)
    with pytest.raises(PermissionDenied, match="maker-checker"):
        allocation_run_decide(user=manager, run=own, approve=True)
    other = allocation_run_prepare(user=analyst, cluster=world.cluster, **PARAMS)
    with pytest.raises(PermissionDenied):
        allocation_run_decide(user=analyst, run=other, approve=True)
    assert set(AllocationRun.objects.values_list("status", flat=True)) == {RunStatus.DRAFT}


def test_partial_funding_is_left_waiting_and_said_so(world):
    fund(world, amount="20000.00")
    rate(world)
    make_contract(world, amount="30000.00")
    run = allocation_run_prepare(user=world.users["finance_analyst"], cluster=world.cluster,
                                 **{**PARAMS, "reserve_floor": "0"}, partial_allowed=True)
    assert run.result["applications"][0]["status"] == "partial"
    allocation_run_decide(user=world.users["finance"], run=run, approve=True)
    run = allocation_run_execute(user=world.users["finance_analyst"], run=AllocationRun.objects.get(pk=run.pk))
    note = next(iter(run.execution["applications"].values()))["note"]
    assert "in part" in note and not Loan.objects.filter(status=LoanStatus.ACTIVE).exists()
    assert ledger_verify().ok


@pytest.mark.parametrize("bad", [{"reserve_floor": "abc"}, {"lgd": "1.5"}, {"deposit_months": "0"},
                                 {"min_grade": "ZZ"}, {"single_borrower_cap": 0.5}])
def test_bad_parameters_are_refused_and_nothing_saved(world, bad):
    fund(world)
    with pytest.raises(ValidationError):
        allocation_run_prepare(user=world.users["finance_analyst"], cluster=world.cluster, **{**PARAMS, **bad})
    assert not AllocationRun.objects.exists()


def test_pages_queue_run_compare_and_decide(world, client_for, django_assert_max_num_queries):
    fund(world)
    queue(world)
    client = client_for("finance_analyst")
    index = reverse("clusterfinance:allocation")
    with django_assert_max_num_queries(25):
        page = client.get(index)
    assert page.status_code == 200 and world.other_firm.name in page.content.decode()
    bad = client.post(index, {"reserve_floor": "x", "single_borrower_cap": "25", "industry_cap": "50", "lgd": "45",
                              "deposit_months": "12"})
    assert bad.status_code == 200 and 'data-testid="error-reserve_floor"' in bad.content.decode()
    assert not AllocationRun.objects.exists()
    ok = client.post(index, {"reserve_floor": "10", "single_borrower_cap": "25", "industry_cap": "50", "lgd": "45",
                             "deposit_months": "12"})
    first = AllocationRun.objects.get()
    assert ok.status_code == 302 and first.single_borrower_cap == D("0.25")
    what_if = client.post(index, {"reserve_floor": "10", "single_borrower_cap": "100", "industry_cap": "100",
                                  "lgd": "45", "deposit_months": "12", "based_on": first.pk})
    second = AllocationRun.objects.exclude(pk=first.pk).get()
    assert second.based_on == first and "compare" in what_if["Location"]
    compare = client.get(what_if["Location"])
    text = compare.content.decode()
    assert compare.status_code == 200 and f"#{first.pk}" in text and f"#{second.pk}" in text
    run_page = client.get(reverse("clusterfinance:allocation-run", args=[first.pk]))
    assert "single-borrower cap" in run_page.content.decode() or run_page.status_code == 200
    # the analyst cannot approve: the post is refused with the capability's message
    refused = client.post(reverse("clusterfinance:allocation-run", args=[first.pk]),
                          {"action": "decide", "decision": "approve"})
    assert refused.status_code == 200 and AllocationRun.objects.get(pk=first.pk).status == RunStatus.DRAFT
    manager = client_for("finance")
    done = manager.post(reverse("clusterfinance:allocation-run", args=[first.pk]),
                        {"action": "decide", "decision": "approve"})
    assert done.status_code == 302 and AllocationRun.objects.get(pk=first.pk).status == RunStatus.APPROVED
