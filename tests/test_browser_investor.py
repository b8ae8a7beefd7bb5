"""Browser journey of an investor: takes the suitability questionnaire (its score per answer and
level shown), is refused a product above its level with nothing posted, subscribes to the finance
company's note and sees it in its portfolio. Screenshots for the docs: docs/screenshots/investor-*.png
(see docs/investors.md)."""

from io import StringIO
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agents.choices import Role
from lending.ledger.models import JournalEntry
from platform4a1c.demo import DEMO_PASSWORD, registry
from portals.investors.models import Holding
from portals.investors.services import opportunity_open
from tests.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
# 5+3+3+2+2+3+3+3 = 24 → C2: the note (R2) is within it, a loan to an A-rated firm (R3) is not
ANSWERS = {"age": "25_50", "income": "100k_300k", "share": "20_50", "experience": "lt_2", "knowledge": "basic",
           "horizon": "1_3y", "goal": "steady", "loss": "lt_10"}


def docs_shot(page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
    screenshot(page, name)


@pytest.fixture
def offers(transactional_db):
    world: dict = {}
    registry.seed(world, StringIO())
    users, firm = world["users"], world["firms"][0]
    firm.current_grade = "A"
    firm.save(update_fields=["current_grade"])
    note = opportunity_open(user=users[Role.FC_MANAGER], kind="note", issuer=world["finance_company"],
                            cluster=world["cluster"], title="永康五金集群票据 2026年第1期", annual_rate="0.05",
                            term_months=12, size="5000000", min_amount="10000",
                            risk_disclosure="本票据由集群财务公司以其资金池偿付，不受存款保险保障。认购后有24小时冷静期。")
    loan = opportunity_open(user=users[Role.ENTERPRISE_OWNER], kind="direct_loan", issuer=firm,
                            title=f"{firm.name} 设备更新借款", annual_rate="0.085", term_months=12, size="500000",
                            min_amount="5000", method="equal_instalment", purpose="购置数控机床。",
                            risk_disclosure="本借款仅由该企业偿还，没有担保；您可能损失部分或全部本金。")
    bank = world["institutions"][0]
    opportunity_open(user=users[Role.INST_MANAGER], kind="deposit", issuer=bank, title=f"{bank.name} 一年期定期存款",
                     annual_rate="0.0175", term_months=12, min_amount="1000",
                     risk_disclosure="存款受《存款保险条例》保障，同一存款人在同一机构最高偿付50万元。")
    return note, loan


def test_investor_questionnaire_refusal_and_note(browser_page, offers):
    note, loan = offers
    page = browser_page
    login(page, "investor@demo.4a1c.cn", DEMO_PASSWORD)
    page.goto("/investor/suitability/")
    for question, answer in ANSWERS.items():
        page.check(f"#q-{question}-{answer}")
    page.click("[data-testid=questionnaire-submit]")
    expect(page.locator("[data-testid=suitability-level]")).to_have_text("C2")
    expect(page.locator("[data-testid=total-score]")).to_have_text("24")
    docs_shot(page, "investor-1-suitability")

    page.goto("/investor/opportunities/")
    expect(page.locator("[data-testid=offers-note] [data-testid=offer]")).to_have_count(1)
    docs_shot(page, "investor-2-browse")

    # the loan to the firm is R3, above C2: refused, nothing posted
    entries = JournalEntry.objects.count()
    page.goto(f"/investor/opportunities/{loan.pk}/confirm/?amount=10000")
    expect(page.locator("[data-testid=refusal]")).to_contain_text("C2")
    docs_shot(page, "investor-3-refused")
    assert JournalEntry.objects.count() == entries and not Holding.objects.exists()

    # the note: amount, confirmation with risk, term and expected return, then the portfolio
    page.goto(f"/investor/opportunities/{note.pk}/")
    page.fill("#amount", "50000")
    page.click("[data-testid=amount-form] button")
    expect(page.locator("[data-testid=quote-interest]")).to_contain_text("2,500.00")
    docs_shot(page, "investor-4-confirm")
    page.check("#accept")
    page.click("[data-testid=confirm-submit]")
    expect(page.locator("[data-testid=holding-status]")).to_be_visible()
    assert Holding.objects.get().amount == 50000
    page.goto("/investor/portfolio/")
    expect(page.locator("[data-testid=holding-row]")).to_have_count(1)
    expect(page.locator("[data-testid=holdings]")).to_contain_text(note.title)
    expect(page.locator("[data-testid=outstanding]")).to_contain_text("50,000.00")
    docs_shot(page, "investor-5-portfolio")
