"""Browser journey of a joint-liability group: three member firms formed a group and each
borrowed; one left its first instalment unpaid past the call days; the nightly run called the
two others; a called member sees the members' repayment status and its call on the group page
and pays its share; the finance company sees its groups. Then: the finance company's manager
edits the group policy (bad input refused, nothing changed; the change in the history); members
try to dissolve a group while a loan is owed (refused with the reason), then all agree once it is
repaid, and a former member founds a new group. Screenshots for docs/schemes.md go to
docs/screenshots/group-loans-*.png."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agents.choices import Role
from agents.tests.factories import PASSWORD, MembershipFactory, UserFactory
from clusterfinance.schemes.group_loans import services
from clusterfinance.schemes.group_loans.models import CallStatus, GroupStatus, JointLiabilityCall, LoanGroup
from clusterfinance.schemes.group_loans.tests.test_group_loans import RUN_DAY, _firm, formed_group, group_loan
from lending import services as lending
from lending.models import Instalment
from lending.tests.factories import make_product
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def docs_screenshot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


def test_a_called_member_pays_its_share_from_the_group_page(browser_page, world):
    page = browser_page
    other_user = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER,
                                   user=UserFactory(email="other@example.cn")).user
    members = [(world.firm, world.users["enterprise"]), (world.other_firm, other_user),
               _firm(world, "永康市恒达五金有限公司", "third@example.cn")]
    policy = services.policy_for(world.finance_company)
    policy.product = make_product(world)
    policy.save()
    group = formed_group(members)
    for firm, user in members:
        group_loan(world, group, firm, user)
    for firm, user in (members[0], members[2]):  # they pay their first instalment; the second firm does not
        inst = Instalment.objects.filter(loan__borrower=firm).order_by("period").first()
        lending.repayment_record(loan=inst.loan, user=user, amount=str(inst.principal_due + inst.interest_due),
                                 paid_on=inst.due_date, idempotency_key=f"browser-pay-{inst.pk}")
    lending.delinquency_run(as_of=RUN_DAY)
    services.calls_run(today=RUN_DAY)
    call = JointLiabilityCall.objects.get(payer=world.firm)

    login(page, "enterprise@example.cn", PASSWORD)
    page.goto(f"/finance/schemes/groups/{group.pk}/")
    assert page.locator(f"tr[data-member='{world.other_firm.pk}']").is_visible()
    docs_screenshot(page, "group-loans-1-called")
    page.locator(f"tr[data-call='{call.pk}'] button").click()
    page.wait_for_load_state("networkidle")
    call.refresh_from_db()
    assert call.status == CallStatus.PAID
    docs_screenshot(page, "group-loans-2-paid")

    page.context.clear_cookies()
    login(page, "finance@example.cn", PASSWORD)
    page.goto("/finance/schemes/groups/")
    assert page.locator(f"tr[data-group='{group.pk}']").is_visible()
    docs_screenshot(page, "group-loans-3-finance")


def test_the_finance_company_edits_the_group_policy(browser_page, world):
    page = browser_page
    product = make_product(world)
    login(page, "finance@example.cn", PASSWORD)
    page.goto("/finance/schemes/groups/")
    page.click("[data-testid=policy-link]")
    page.fill("input[name=min_members]", "1")
    page.fill("input[name=max_members]", "8")
    page.fill("input[name=call_days]", "0")
    page.click("[data-testid=policy-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=error-min_members]").is_visible()
    assert page.locator("[data-testid=error-call_days]").is_visible()
    docs_screenshot(page, "group-loans-4-policy-refused")
    policy = services.policy_for(world.finance_company)
    assert (policy.min_members, policy.call_days, policy.product_id) == (3, 30, None)  # nothing changed
    page.fill("input[name=min_members]", "3")
    page.fill("input[name=call_days]", "20")
    page.select_option("select[name=product]", str(product.pk))
    page.click("[data-testid=policy-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    policy.refresh_from_db()
    assert (policy.max_members, policy.call_days, policy.product_id) == (8, 20, product.pk)
    assert page.locator("[data-testid=policy-history] tbody tr").count() == 1
    docs_screenshot(page, "group-loans-5-policy")


def test_members_dissolve_their_group_and_one_joins_another(browser_page, world):
    page = browser_page
    other_user = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER,
                                   user=UserFactory(email="other@example.cn")).user
    third = _firm(world, "永康市恒达五金有限公司", "third@example.cn")
    members = [(world.firm, world.users["enterprise"]), (world.other_firm, other_user), third]
    policy = services.policy_for(world.finance_company)
    policy.product = make_product(world)
    policy.save()
    group = formed_group(members)
    # the first member's loan is still being repaid: the group cannot be dissolved yet
    loan = group_loan(world, group, *members[0])
    url = f"/finance/schemes/groups/{group.pk}/"
    login(page, "enterprise@example.cn", PASSWORD)
    page.goto(url)
    assert page.locator("[data-testid=dissolution-blockers]").is_visible()
    page.click("[data-testid=agree-dissolve]")
    page.wait_for_load_state("networkidle")
    assert "不能解散" in page.content()
    docs_screenshot(page, "group-loans-6-dissolve-refused")
    on = loan.disbursed_on + timedelta(days=5)
    lending.repayment_record(loan=loan, user=members[0][1], amount=str(lending.loan_payoff_quote(loan=loan, on=on)["total"]),
                             paid_on=on, idempotency_key="browser-payoff")
    for email in ("enterprise@example.cn", "other@example.cn", "third@example.cn"):
        page.context.clear_cookies()
        login(page, email, PASSWORD)
        page.goto(url)
        page.click("[data-testid=agree-dissolve]")
        page.wait_for_load_state("networkidle")
    group.refresh_from_db()
    assert group.status == GroupStatus.DISSOLVED
    assert page.locator("[data-testid=dissolved]").is_visible()
    assert page.locator(f"tr[data-member='{world.firm.pk}']").is_visible()  # the history stays
    docs_screenshot(page, "group-loans-7-dissolved")
    # the third firm is free again: it founds a new group from its page
    page.goto("/finance/schemes/groups/mine/")
    page.fill("input[name=name]", "永康五金新组")
    page.fill("input[name=controller]", "王三")
    page.click("form button.btn-primary")
    page.wait_for_load_state("networkidle")
    assert LoanGroup.objects.filter(name="永康五金新组", founder=third[0], status=GroupStatus.FORMING).exists()
