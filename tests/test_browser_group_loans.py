"""Browser journey of a joint-liability group: three member firms formed a group and each
borrowed; one left its first instalment unpaid past the call days; the nightly run called the
two others; a called member sees the members' repayment status and its call on the group page
and pays its share; the finance company sees its groups. Screenshots for docs/schemes.md go to
docs/screenshots/group-loans-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.choices import Role
from agents.tests.factories import PASSWORD, MembershipFactory, UserFactory
from clusterfinance.schemes.group_loans import services
from clusterfinance.schemes.group_loans.models import CallStatus, JointLiabilityCall
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
