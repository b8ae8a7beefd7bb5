"""The reward and penalty pages: the list of what was applied with its filters, the rules and
one rule with its history and maker-checker buttons, the firm's own view of what applies to
it — each page in a fixed number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusterfinance.sanctions import services
from clusterfinance.sanctions.models import Effect, RuleKind, SanctionApplication, SanctionRule

from .conftest import TODAY, overdue_loan, rule_in_force

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    return len(ctx.captured_queries), page


def warnings(world, firms):
    """A warning for each of ``firms`` recorded by the warning rule (through the run, on reports of the bank)."""
    from infocenter.choices import ReportCategory, Verification
    from infocenter.services.reports import report_decide, report_file

    for firm in firms:
        report = report_file(reporter=world.bank, subject=firm, author=world.users["institution"],
                             category=ReportCategory.QUALITY_DISPUTE, title="质量纠纷", evidence="检验报告")
        report_decide(report=report, decided_by=world.users["finance"], status=Verification.VERIFIED)
    services.sanction_rules_apply(cluster=world.cluster, today=TODAY)


def test_the_list_of_applications_in_fixed_queries_with_filters(world, client_for, other_user):
    rule_in_force(world, RuleKind.NEGATIVE_REPORT_WARNING, "负面报告警示", window_days="30")
    warnings(world, [world.firm])
    client = client_for("finance")
    url = reverse("clusterfinance:sanctions")
    few, page = queries(client, url)
    assert len(page.context["page"]) == 1
    from agents.tests.factories import ClusterMembershipFactory
    from portals.enterprises.tests.factories import EnterpriseProfileFactory

    more = [EnterpriseProfileFactory().agent for _n in range(3)]
    for firm in more:
        ClusterMembershipFactory(cluster=world.cluster, agent=firm)
    warnings(world, more)
    overdue_loan(world, other_user)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    services.sanction_rules_apply(cluster=world.cluster, today=TODAY)
    many, page = queries(client, url)
    assert many == few and len(page.context["page"]) == 5
    html = page.content.decode()
    assert 'data-testid="applied"' in html and world.other_firm.name in html
    _n, page = queries(client, url + "?effect=suspension")
    assert [a.effect for a in page.context["page"]] == [Effect.SUSPENSION]
    _n, page = queries(client, url + f"?q={world.other_firm.name[:3]}&state=open")
    assert [a.firm for a in page.context["page"]] == [world.other_firm]
    _n, page = queries(client, url + "?since=not-a-date&rule=999999")  # bad filters: the form says so, no 500
    assert page.context["form"].errors


def test_the_rules_page_creates_a_rule_and_refuses_bad_parameters(world, client_for):
    client = client_for("finance_analyst")
    url = reverse("clusterfinance:sanctions-rules")
    page = client.post(url, {"kind": RuleKind.ON_TIME_DISCOUNT, "name": "按时还款", "months": "0",
                             "discount_pp": "abc", "is_active": "on"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="error-months"' in html and 'data-testid="error-discount_pp"' in html
    assert not SanctionRule.objects.exists()
    page = client.post(url, {"kind": RuleKind.ON_TIME_DISCOUNT, "name": "按时还款", "months": "12",
                             "discount_pp": "0.5", "is_active": "on"})
    rule = SanctionRule.objects.get()
    assert page.status_code == 302 and rule.pending and rule.version == 0


def test_rules_and_a_rule_in_fixed_queries(world, client_for):
    rule = rule_in_force(world, RuleKind.NEGATIVE_REPORT_WARNING, "负面报告警示", window_days="30")
    client = client_for("finance")
    few, _page = queries(client, reverse("clusterfinance:sanctions-rules"))
    one, _page = queries(client, reverse("clusterfinance:sanctions-rule", args=[rule.pk]))
    for days in ("60", "90"):
        rule = services.sanction_rule_propose(user=world.users["finance"], fc=world.finance_company, rule=rule,
                                              name="负面报告警示", params={"window_days": days}, is_active=True)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    rule_in_force(world, RuleKind.ARREARS_RELEASE, "还清欠款解除暂停")
    many, page = queries(client, reverse("clusterfinance:sanctions-rules"))
    assert many == few and len(page.context["rows"]) == 3
    three, page = queries(client, reverse("clusterfinance:sanctions-rule", args=[rule.pk]))
    assert three == one and len(page.context["versions"]) == 3


def test_maker_checker_on_the_rule_page(world, client_for):
    analyst = client_for("finance_analyst")
    analyst.post(reverse("clusterfinance:sanctions-rules"), {"kind": RuleKind.DPD_SUSPENSION, "name": "逾期暂停",
                                                             "days": "90", "is_active": "on"})
    rule = SanctionRule.objects.get()
    url = reverse("clusterfinance:sanctions-rule", args=[rule.pk])
    page = analyst.post(url, {"action": "approve"})  # the analyst has no approval right: refused, nothing changed
    assert page.status_code == 200 and 'data-testid="form-error"' in page.content.decode()
    assert SanctionRule.objects.get().version == 0
    manager = client_for("finance")
    page = manager.get(url)
    assert page.context["may_approve"]
    assert manager.post(url, {"action": "approve"}).status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.is_active, rule.pending) == (1, True, None)
    page = manager.post(url, {"action": "change", "name": "逾期暂停", "days": "x", "is_active": "on"})
    assert 'data-testid="error-days"' in page.content.decode() and SanctionRule.objects.get().params == {"days": 90}


def test_the_firm_sees_what_applies_to_it_and_why(world, client_for, other_user):
    overdue_loan(world, other_user)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    services.sanction_rules_apply(cluster=world.cluster, today=TODAY)
    [a] = SanctionApplication.objects.all()
    client = client_for(None)
    client.force_login(other_user)
    page = client.get(reverse("clusterfinance:rating:mine"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="firm-sanctions"' in html and a.reason in html
    client = client_for("enterprise")  # another firm sees nothing of it
    html = client.get(reverse("clusterfinance:rating:mine")).content.decode()
    assert a.reason not in html
    client = client_for("finance")
    html = client.get(reverse("clusterfinance:rating:detail", args=[world.other_firm.pk])).content.decode()
    assert a.reason in html
