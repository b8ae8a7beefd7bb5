"""Browser journey through the re-allocation of the fund pool (资金再分配): the finance company's
analyst prepares a run from the queue, changes a parameter for a what-if and compares the two
side by side; the analyst cannot approve the run (maker-checker), the manager — another user —
approves it; the run is executed and the loans disbursed from the pool; the firm sees its loan
funded on its own pages; the run's disclosure is on the centre's hub (business module).

Screenshots for the docs go to docs/screenshots/allocation-*.png (see docs/finance-company.md)."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.utils import timezone

from agents.choices import Role
from clusterfinance.allocation.choices import RunStatus
from clusterfinance.allocation.models import AllocationRun
from infocenter.choices import Category
from infocenter.models import Publication
from lending import services
from lending.choices import LoanStatus, RepaymentMethod
from lending.models import Loan
from platform4a1c.demo import DEMO_PASSWORD, registry
from platform4a1c.demo.pool import QUEUE_PRODUCTS, queue_seed, sources_seed
from tests.conftest import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYST = "finance@demo.4a1c.cn"
MANAGER = "finance-manager@demo.4a1c.cn"
FIRM = "enterprise@demo.4a1c.cn"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
GRADES = ["AA", "A", "A", "BBB", "BBB", "BBB", "BB", "BB", "B", "CCC"]


def docs_shot(page, name: str) -> None:
    """A screenshot for the docs (and the usual test artifact)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


@pytest.fixture
def demo(transactional_db):
    """The demo registry, the pool's sources of every kind, and ten approved applications to
    the finance company (the demo firm's among them) from firms of graded credit."""
    from agents.models import Agent

    world: dict = {}
    registry.seed(world, StringIO())
    fc, users = world["finance_company"], world["users"]
    services.capital_contribute(agent=fc, amount="5000000", on=timezone.localdate().replace(day=1),
                                idempotency_key="browser-allocation-capital")
    services.product_create(lender=fc, user=users[Role.FC_MANAGER], name=QUEUE_PRODUCTS[0], min_amount="100000",
                            max_amount="2000000", min_periods=6, max_periods=12,
                            method=RepaymentMethod.EQUAL_INSTALMENT, rate_min="0.06", rate_max="0.12",
                            description="面向集群成员企业的流动资金贷款，按月等额本息。")
    sources_seed(world, timezone.localdate())
    firms = world["firms"][:10]
    for firm, grade in zip(firms, GRADES, strict=True):
        Agent.objects.filter(pk=firm.pk).update(current_grade=grade)  # as the rating module leaves it
    world["firms"] = list(Agent.objects.filter(pk__in=[f.pk for f in world["firms"]]).order_by("pk"))
    applications = queue_seed(world, world["firms"][:10], applied_before=12, seed=7)
    return {"world": world, "applications": applications}


def switch_user(page, email: str) -> None:
    logout(page)
    login(page, email, DEMO_PASSWORD)


def test_analyst_runs_compares_manager_approves_run_executes_firm_sees_its_loan(browser_page, demo):
    page = browser_page
    firm_application = demo["applications"][0]  # the demo firm's, rated AA

    # --- the analyst sees the queue and prepares a run with the default parameters
    login(page, ANALYST, DEMO_PASSWORD)
    page.goto("/finance/allocation/")
    assert page.locator("[data-testid=queue] tbody tr").count() == 10
    page.fill("#id_note", "十二月资金再分配")
    docs_shot(page, "allocation-1-queue")
    page.click("[data-testid=solve-run]")
    page.wait_for_load_state("networkidle")
    first = AllocationRun.objects.get()
    assert page.url.endswith(f"/finance/allocation/runs/{first.pk}/")
    assert page.get_attribute("[data-testid=run-status]", "data-status") == RunStatus.DRAFT
    funded = {o["id"] for o in first.result["applications"] if Decimal(o["funded"]) > 0}
    assert str(firm_application.pk) in funded
    assert page.locator("[data-testid=approve-run]").count() == 0  # an analyst does not approve runs
    docs_shot(page, "allocation-2-run")

    # --- what-if: a tighter single-borrower cap and a minimum grade, side by side
    form = page.locator("[data-testid=what-if-form]")
    form.locator("#id_single_borrower_cap").fill("8")
    form.locator("#id_min_grade").select_option("BBB")
    page.click("[data-testid=solve-what-if]")
    page.wait_for_load_state("networkidle")
    what_if = AllocationRun.objects.exclude(pk=first.pk).get()
    assert what_if.based_on_id == first.pk and what_if.min_grade == "BBB"
    assert f"a={first.pk}&b={what_if.pk}" in page.url
    changed = page.inner_text("[data-testid=what-changed]")
    assert "8%" in changed and "BBB" in changed
    # below BBB nothing is funded in the what-if; the rows that differ are highlighted
    grade_of = {a["id"]: a["grade"] for a in what_if.problem["applications"]}
    cut = {o["id"] for o in what_if.result["applications"] if o.get("reason") == "below_min_grade"}
    assert cut == {i for i, g in grade_of.items() if g in ("BB", "B", "CCC")} and len(cut) == 4
    assert page.locator("[data-testid=compare] tr.table-warning").count() >= 1
    docs_shot(page, "allocation-3-what-if-compare")

    # --- the manager (another user) approves the first run
    switch_user(page, MANAGER)
    page.goto(f"/finance/allocation/runs/{first.pk}/")
    page.fill("#id_reason", "备付金与集中度均符合要求，同意放款。")
    page.click("[data-testid=approve-run]")
    page.wait_for_load_state("networkidle")
    first.refresh_from_db()
    assert first.status == RunStatus.APPROVED and first.approved_by.email == MANAGER
    docs_shot(page, "allocation-4-approved")

    # --- the analyst executes it (not the manager who approved the loans: lending's maker-checker)
    switch_user(page, ANALYST)
    page.goto(f"/finance/allocation/runs/{first.pk}/")
    page.click("[data-testid=execute-run]")
    page.wait_for_load_state("networkidle")
    first.refresh_from_db()
    assert first.status == RunStatus.EXECUTED
    done = [k for k, o in first.execution["applications"].items() if o["done"]]
    assert set(done) == {o["id"] for o in first.result["applications"]
                         if Decimal(o["funded"]) == next(Decimal(a["amount"]) for a in first.problem["applications"]
                                                         if a["id"] == o["id"])}
    assert Loan.objects.filter(application_id__in=[int(k) for k in done], status=LoanStatus.ACTIVE).count() == len(done)
    assert page.get_attribute("[data-testid=run-status]", "data-status") == RunStatus.EXECUTED
    docs_shot(page, "allocation-5-executed")

    # --- the firm sees its loan funded and active on its own pages
    loan = Loan.objects.get(application=firm_application)
    switch_user(page, FIRM)
    page.goto("/lending/loans/")
    row = page.locator(f"[data-testid=loan-row]:has-text('{loan.contract_no}')")
    assert row.count() == 1
    page.goto(f"/lending/loans/{loan.pk}/")
    assert page.locator("[data-testid=instalment-row]").count() == loan.periods
    docs_shot(page, "allocation-6-firm-loan")

    # --- the run's disclosure is on the centre's hub, in the business module, without names
    publication = Publication.objects.get(category=Category.LOAN_DISCLOSURE, key=f"allocation-run-{first.pk}")
    page.goto("/hub/business/")
    assert page.locator(f"a[href$='/hub/p/{publication.pk}/']").count() >= 1
    page.goto(f"/hub/p/{publication.pk}/")
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert publication.title in body and "¥" in body
    firm_name = demo["world"]["firms"][0].name
    assert firm_name not in body  # members read the outcome by application, industry and grade only
    docs_shot(page, "allocation-7-hub-disclosure")
