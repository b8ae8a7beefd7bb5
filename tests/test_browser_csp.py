"""Browser journey under the production Content-Security-Policy: the government portal draws its
ECharts charts, htmx swaps the search results and the language select submits itself, and the
browser reports no violation ("Refused to …") on the way."""

from io import StringIO

import pytest
from playwright.sync_api import expect

from platform4a1c.demo import DEMO_PASSWORD, registry
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    registry.seed({}, StringIO())


def test_pages_work_under_the_content_security_policy(browser_page, demo, settings):
    settings.PLATFORM_SEND_CSP = True
    page = browser_page
    refused, violations = [], []
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))

    def watch_violations():
        page.evaluate("""() => document.addEventListener("securitypolicyviolation",
            e => (window.__violations = window.__violations || []).push(e.violatedDirective + " " + e.blockedURI))""")

    login(page, "gov@demo.4a1c.cn", DEMO_PASSWORD)
    response = page.goto("/gov/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    watch_violations()
    # ECharts (static/vendor) drew both charts into canvases
    expect(page.locator("#chart-lender canvas")).to_have_count(1)
    expect(page.locator("#chart-industry canvas")).to_have_count(1)
    assert page.evaluate("() => typeof window.htmx") == "object"
    screenshot(page, "csp-gov-portal")
    violations += page.evaluate("() => window.__violations || []")

    # htmx: typing in the search box swaps the results in without a page load
    page.goto("/hub/search/")
    watch_violations()
    with page.expect_response(lambda r: "/hub/search/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("#search-q", "永康")
    expect(page.locator("#search-results")).to_be_visible()
    violations += page.evaluate("() => window.__violations || []")

    # the language select submits its form (a data attribute now, no inline onchange)
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert refused == [] and violations == [], (refused, violations)
