"""Browser journey: each demo role logs in through the real form and lands on its own portal
with the registry's real data; the language switch turns the page into English."""

from io import StringIO

import pytest
from playwright.sync_api import expect

from platform4a1c.demo import DEMO_PASSWORD, registry
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# email, portal path, text the portal must show (from the demo registry)
JOURNEYS = [
    ("enterprise@demo.4a1c.cn", "/enterprise/", "永康五金产业集群"),
    ("finance-manager@demo.4a1c.cn", "/finance/", "永康五金产业集群"),
    ("gov@demo.4a1c.cn", "/gov/", "永康市人民政府"),
    ("bank@demo.4a1c.cn", "/institution/", "浙江永康农村商业银行"),
    ("investor@demo.4a1c.cn", "/investor/", "C1"),
]


@pytest.fixture
def demo(transactional_db):
    # The demo registry is enough for the portals; seed_demo as a whole is tested in
    # platform4a1c/tests/test_seed_demo.py.
    registry.seed({}, StringIO())


@pytest.mark.parametrize(("email", "path", "expected"), JOURNEYS)
def test_role_logs_in_and_lands_on_its_portal(browser_page, demo, email, path, expected):
    page = browser_page
    login(page, email, DEMO_PASSWORD)
    assert page.url.endswith(path), f"{email} landed on {page.url}"
    assert expected in page.inner_text("main")
    assert page.locator("[data-testid=portal-title]").is_visible()
    screenshot(page, f"portal-{path.strip('/')}")
    # Another role's portal answers 404 for this user.
    other = "/gov/" if path != "/gov/" else "/enterprise/"
    assert page.goto(other).status == 404


def test_language_switch_to_english(browser_page, demo):
    page = browser_page
    login(page, "finance-manager@demo.4a1c.cn", DEMO_PASSWORD)
    assert "成员企业" in page.inner_text("main")
    # The select submits its form on change; wait for that navigation, not just for an idle network
    # (the idle state can be reached before the submit has even started).
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    expect(page.locator("main")).to_contain_text("Member firms")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith("/finance/")


def test_landing_page_draws_the_model_diagram(browser_page, demo):
    page = browser_page
    page.goto("/")
    diagram = page.locator("[data-testid=model-diagram]")
    assert diagram.is_visible()
    # A real diagram: labelled shapes for the four agents and the centre, not an image.
    assert diagram.locator("rect").count() >= 5
    assert diagram.locator("text").filter(has_text="46").count() == 1  # firms counted live
    screenshot(page, "landing")
