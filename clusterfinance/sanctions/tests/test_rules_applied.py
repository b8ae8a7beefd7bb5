"""The finance company's reward and penalty rules applied by the nightly run: each kind fires on
the right firms only, a second run applies nothing new, a suspension is released once the
arrears are paid; the effects (a discount on new loans, new money refused, the allocation queue
leaving the firm out); the disclosure and the events; bad parameters refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusterfinance.allocation import selectors as allocation
from clusterfinance.sanctions import services
from clusterfinance.sanctions.events import SANCTION_APPLIED, SANCTION_RELEASED
from clusterfinance.sanctions.models import Effect, RuleKind, SanctionApplication, SanctionRule, SanctionRuleVersion
from infocenter.choices import Category, ReportCategory, Verification, Visibility
from infocenter.event_kinds import event_kind
from infocenter.models import Event, Publication
from infocenter.services.events import events_dispatch
from infocenter.services.reports import report_decide, report_file
from lending import services as lending
from lending.models import LendingStanding
from lending.tests.factories import make_contract, make_product

from .conftest import TODAY, arrears_paid, overdue_loan, rule_in_force

pytestmark = pytest.mark.django_db
D = Decimal


def run(world, today=TODAY):
    return services.sanction_rules_apply(cluster=world.cluster, today=today)


def applied(effect=None):
    qs = SanctionApplication.objects.all()
    return list(qs.filter(effect=effect) if effect else qs)


# --- each kind of rule ----------------------------------------------------------------------

def test_discount_after_consecutive_on_time_months_goes_to_the_punctual_firm_only(world, on_time_loan, other_user):
    overdue_loan(world, other_user)  # the second firm never paid
    rule = rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款三个月", months="3", discount_pp="0.5")
    result = run(world)
    assert result == {"applied": 1, "ended": 0, "by_effect": {Effect.DISCOUNT: 1}}
    [a] = applied()
    assert (a.firm, a.rule, a.rule_version, a.effect) == (world.firm, rule, 1, Effect.DISCOUNT)
    assert a.evidence == {"months": 3, "instalments": 3, "from": "2026-02-01", "to": "2026-04-30",
                          "discount_pp": "0.50"}
    assert a.released_at is None and "3" in a.reason
    standing = LendingStanding.objects.get(firm=world.firm, lender=world.finance_company)
    assert standing.rate_discount == D("0.005000") and not standing.is_suspended
    assert not LendingStanding.objects.filter(firm=world.other_firm).exists()
    assert run(world)["applied"] == 0 and len(applied()) == 1  # the second run applies nothing new


def test_more_months_than_the_record_holds_fire_on_nobody(world, on_time_loan):
    rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款十二个月", months="12", discount_pp="0.5")
    assert run(world)["applied"] == 0


def test_the_discount_prices_new_loans_of_the_finance_company_only(world, on_time_loan):
    rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款三个月", months="3", discount_pp="0.5")
    run(world)
    product = make_product(world, rate_min="0.04")
    app = lending.application_create(product=product, applicant=world.firm, user=world.users["enterprise"],
                                     amount="5000", periods=6, purpose="采购", annual_rate="0.12")
    assert app.annual_rate == D("0.115")
    floor = make_product(world, rate_min="0.118")
    app = lending.application_create(product=floor, applicant=world.firm, user=world.users["enterprise"],
                                     amount="5000", periods=6, purpose="采购", annual_rate="0.12")
    assert app.annual_rate == D("0.118")  # never below the product's lowest rate
    bank_product = make_product(world, lender="bank")
    app = lending.application_create(product=bank_product, applicant=world.firm, user=world.users["enterprise"],
                                     amount="5000", periods=6, purpose="采购", annual_rate="0.12")
    assert app.annual_rate == D("0.12")  # the bank's pricing is its own
    assert on_time_loan.annual_rate == D("0.12")  # the outstanding loans keep their contract rate


def test_a_discount_ends_when_the_firm_falls_behind(world, on_time_loan):
    rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款三个月", months="3", discount_pp="0.5")
    run(world)
    late = make_contract(world, amount="6000.00", periods=6)
    lending.loan_disburse(loan=late, user=world.users["finance_analyst"], disbursed_on=TODAY.replace(month=1),
                          idempotency_key="late")
    lending.delinquency_run(as_of=TODAY)
    result = run(world)
    assert result["ended"] == 1 and result["applied"] == 0
    [a] = applied()
    assert a.released_at is not None
    assert LendingStanding.objects.get(firm=world.firm).rate_discount == 0
    ended = Publication.objects.get(key=f"sanction-{a.pk}-ended")
    assert ended.category == Category.SANCTION and ended.subject == world.firm
    assert Event.objects.filter(kind=SANCTION_RELEASED, subject_agent=world.firm).count() == 1
    assert run(world) == {"applied": 0, "ended": 0, "by_effect": {}}


def test_suspension_after_days_past_due_fires_on_the_late_firm_only(world, on_time_loan, other_user):
    loan = overdue_loan(world, other_user)
    assert loan.dpd >= 90
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    assert run(world)["applied"] == 1
    [a] = applied()
    assert (a.firm, a.effect) == (world.other_firm, Effect.SUSPENSION)
    assert a.evidence["dpd"] == loan.dpd and a.evidence["loans"] == 1 and D(a.evidence["arrears"]) > 0
    assert LendingStanding.objects.get(firm=world.other_firm, lender=world.finance_company).is_suspended
    assert run(world)["applied"] == 0
    # a higher threshold than the firm's days past due fires on nobody
    SanctionApplication.objects.all().delete()
    LendingStanding.objects.all().delete()
    rule = SanctionRule.objects.get()
    rule.params = {"days": loan.dpd + 1}
    rule.save()
    assert run(world)["applied"] == 0


def test_a_suspended_firm_is_refused_new_money_with_the_reason(world, other_user):
    overdue_loan(world, other_user)
    product = make_product(world)
    draft = lending.application_create(product=product, applicant=world.other_firm, user=other_user, amount="5000",
                                       periods=6, purpose="周转")
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    run(world)
    with pytest.raises(ValidationError) as refused:
        lending.application_create(product=product, applicant=world.other_firm, user=other_user, amount="5000",
                                   periods=6, purpose="周转")
    assert refused.value.error_dict["product"][0].code == "suspended"
    text = refused.value.message_dict["product"][0]
    assert "suspended new money" in text and "逾期" in text  # the reason, as recorded
    with pytest.raises(ValidationError):
        lending.application_submit(application=draft, user=other_user)
    # the bank still decides for itself
    bank_product = make_product(world, lender="bank")
    lending.application_create(product=bank_product, applicant=world.other_firm, user=other_user, amount="5000",
                               periods=6, purpose="周转")


def test_the_allocation_queue_leaves_a_suspended_firm_out(world, other_user):
    overdue_loan(world, other_user)
    waiting = make_contract(world, borrower=world.other_firm, borrower_user=other_user, amount="5000.00", periods=6)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    run(world)
    [row] = [r for r in allocation.queue(cluster=world.cluster) if r["application"].pk == waiting.application.pk]
    assert row["suspended"] and "逾期" in row["suspension_reason"]
    problem = allocation.problem_build(cluster=world.cluster, run_params={
        "reserve_floor": D("0.1"), "single_borrower_cap": D("0.5"), "industry_cap": D("1"), "lgd": D("0.45"),
        "min_grade": "", "partial_allowed": False, "deposit_months": 12})
    assert str(waiting.application.pk) not in {a["id"] for a in problem["applications"]}
    assert [(lo["id"], lo["reason"]) for lo in problem["left_out"]] == [(str(waiting.application.pk), "suspended")]


def test_release_after_the_arrears_are_paid(world, other_user):
    loan = overdue_loan(world, other_user)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    release = rule_in_force(world, RuleKind.ARREARS_RELEASE, "还清欠款解除暂停")
    run(world)
    assert run(world)["applied"] == 0  # still in arrears: nothing released
    [suspension] = applied(Effect.SUSPENSION)
    loan = arrears_paid(world, loan, other_user)
    assert loan.dpd == 0
    assert run(world, TODAY.replace(day=21))["by_effect"] == {Effect.RELEASE: 1}
    suspension.refresh_from_db()
    [released] = applied(Effect.RELEASE)
    assert suspension.released_at is not None
    assert (released.rule, released.releases, released.firm) == (release, suspension, world.other_firm)
    assert not LendingStanding.objects.get(firm=world.other_firm).is_suspended
    assert run(world, TODAY.replace(day=21))["applied"] == 0
    product = make_product(world)
    lending.application_create(product=product, applicant=world.other_firm, user=other_user, amount="5000",
                               periods=6, purpose="周转")  # new money again


def negative_report(world, subject, verified=True):
    report = report_file(reporter=world.bank, subject=subject, author=world.users["institution"],
                         category=ReportCategory.LATE_PAYMENT, title="拖欠货款", evidence="合同与催款记录")
    if verified:
        report = report_decide(report=report, decided_by=world.users["finance"], status=Verification.VERIFIED)
    return report


def test_a_warning_for_each_verified_negative_report(world):
    first = negative_report(world, world.firm)
    negative_report(world, world.other_firm, verified=False)  # not verified: no warning
    rule_in_force(world, RuleKind.NEGATIVE_REPORT_WARNING, "负面报告警示", window_days="30")
    assert run(world)["by_effect"] == {Effect.WARNING: 1}
    [w] = applied()
    assert (w.firm, w.episode, w.evidence["report_id"]) == (world.firm, f"report-{first.pk}", first.pk)
    assert not LendingStanding.objects.exists()  # a warning only warns
    assert run(world)["applied"] == 0
    negative_report(world, world.firm)
    assert run(world)["applied"] == 1  # a second verified report, a second warning


# --- disclosure and events ------------------------------------------------------------------

def test_each_application_is_disclosed_and_fed_back_as_an_event(world, on_time_loan, other_user):
    overdue_loan(world, other_user)
    rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款三个月", months="3", discount_pp="0.5")
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    Event.objects.all().delete()
    run(world)
    reward, penalty = applied(Effect.DISCOUNT)[0], applied(Effect.SUSPENSION)[0]
    for a, sanction in ((reward, "reward"), (penalty, "penalty")):
        pub = Publication.objects.get(pk=a.publication_id)
        assert (pub.category, pub.visibility, pub.subject, pub.publisher, pub.key) == (
            Category.SANCTION, Visibility.PUBLIC, a.firm, world.finance_company, f"sanction-{a.pk}")
        assert pub.data["sanction"] == sanction and pub.data["application_id"] == a.pk
        assert a.firm.name in pub.body
    events = Event.objects.filter(kind=SANCTION_APPLIED)
    assert {(e.subject_agent_id, e.payload["effect"]) for e in events} == {
        (world.firm.pk, Effect.DISCOUNT), (world.other_firm.pk, Effect.SUSPENSION)}
    assert event_kind(SANCTION_APPLIED).rescores_subject and event_kind(SANCTION_RELEASED).rescores_subject
    events_dispatch()
    requested = set(Event.objects.filter(kind="rescore.requested").values_list("subject_agent_id", flat=True))
    assert {world.firm.pk, world.other_firm.pk} <= requested  # the rating re-scores both
    count = Publication.objects.filter(category=Category.SANCTION).count()
    run(world)
    assert Publication.objects.filter(category=Category.SANCTION).count() == count


def test_the_run_is_set_based(world, other_user):
    """The queries to find what is due and what is open are the same whatever the number of
    firms: a run that applies nothing new costs as much with one suspended firm as with three."""
    from agents.choices import Role
    from agents.tests.factories import ClusterMembershipFactory, MembershipFactory, UserFactory
    from portals.enterprises.tests.factories import EnterpriseProfileFactory

    rule_in_force(world, RuleKind.ON_TIME_DISCOUNT, "按时还款三个月", months="3", discount_pp="0.5")
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    rule_in_force(world, RuleKind.NEGATIVE_REPORT_WARNING, "负面报告警示", window_days="30")
    rule_in_force(world, RuleKind.ARREARS_RELEASE, "还清欠款解除暂停")
    overdue_loan(world, other_user)
    run(world)
    with CaptureQueriesContext(connection) as one:
        assert run(world)["applied"] == 0
    for n in range(2):
        firm = EnterpriseProfileFactory().agent
        ClusterMembershipFactory(cluster=world.cluster, agent=firm)
        user = MembershipFactory(agent=firm, role=Role.ENTERPRISE_OWNER, user=UserFactory(email=f"f{n}@example.cn")).user
        overdue_loan(world, user, borrower=firm)
    assert run(world)["applied"] == 2
    with CaptureQueriesContext(connection) as three:
        assert run(world)["applied"] == 0
    assert len(three.captured_queries) == len(one.captured_queries)
    assert SanctionApplication.objects.filter(effect=Effect.SUSPENSION).count() == 3


# --- the rules themselves -------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "params", "field", "message"), [
    (RuleKind.ON_TIME_DISCOUNT, {"months": "abc", "discount_pp": "0.5"}, "months", "“abc” is not a number."),
    (RuleKind.ON_TIME_DISCOUNT, {"months": "2.5", "discount_pp": "0.5"}, "months", "Enter a whole number."),
    (RuleKind.ON_TIME_DISCOUNT, {"months": "0", "discount_pp": "0.5"}, "months", "Enter a value from 1 to 60."),
    (RuleKind.ON_TIME_DISCOUNT, {"months": "12", "discount_pp": "9"}, "discount_pp", "Enter a value from 0.01 to 5."),
    (RuleKind.ON_TIME_DISCOUNT, {"months": "12"}, "discount_pp", "Enter a value."),
    (RuleKind.DPD_SUSPENSION, {"days": "NaN"}, "days", "“NaN” is not a number."),
    (RuleKind.DPD_SUSPENSION, {"days": "-5"}, "days", "Enter a value from 1 to 3650."),
    (RuleKind.NEGATIVE_REPORT_WARNING, {"window_days": "1e9"}, "window_days", "Enter a value from 1 to 3650."),
])
def test_bad_parameters_are_refused_beside_their_field_and_nothing_is_written(world, kind, params, field, message):
    with pytest.raises(ValidationError) as refused:
        services.sanction_rule_propose(user=world.users["finance"], fc=world.finance_company, kind=kind, name="规则",
                                       params=params, is_active=True)
    assert refused.value.message_dict[field] == [message]
    assert not SanctionRule.objects.exists()


def test_bad_parameter_errors_are_translated(world):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.sanction_rule_propose(user=world.users["finance"], fc=world.finance_company,
                                       kind=RuleKind.DPD_SUSPENSION, name="", params={"days": "x"}, is_active=True)
    assert set(refused.value.message_dict) == {"name"}  # the name first; each message through gettext


def test_a_discount_or_suspension_rule_waits_for_a_second_person(world):
    analyst, manager = world.users["finance_analyst"], world.users["finance"]
    rule = services.sanction_rule_propose(user=analyst, fc=world.finance_company, kind=RuleKind.DPD_SUSPENSION,
                                          name="逾期暂停", params={"days": "90"}, is_active=True)
    assert (rule.version, rule.is_active, rule.pending["params"]) == (0, False, {"days": 90})
    with pytest.raises(PermissionDenied):
        services.sanction_rule_approve(user=analyst, rule=rule)  # an analyst may not approve
    rule = services.sanction_rule_approve(user=manager, rule=rule)
    assert (rule.version, rule.is_active, rule.params, rule.pending) == (1, True, {"days": 90}, None)
    # a change the manager prepares needs someone else
    rule = services.sanction_rule_propose(user=manager, fc=world.finance_company, rule=rule, name="逾期暂停",
                                          params={"days": "60"}, is_active=True)
    with pytest.raises(PermissionDenied):
        services.sanction_rule_approve(user=manager, rule=rule)
    assert SanctionRule.objects.get().params == {"days": 90}  # in force until approved
    with pytest.raises(ValidationError):  # one change at a time
        services.sanction_rule_propose(user=analyst, fc=world.finance_company, rule=rule, name="x",
                                       params={"days": "30"}, is_active=True)
    services.sanction_rule_withdraw(user=manager, rule=rule)
    versions = list(SanctionRuleVersion.objects.values_list("version", "params", "prepared_by", "approved_by"))
    assert versions == [(1, {"days": 90}, analyst.pk, manager.pk)]


def test_warning_and_release_rules_are_in_force_at_once_and_keep_their_history(world):
    analyst = world.users["finance_analyst"]
    rule = services.sanction_rule_propose(user=analyst, fc=world.finance_company,
                                          kind=RuleKind.NEGATIVE_REPORT_WARNING, name="警示", params={"window_days": "30"},
                                          is_active=True)
    assert (rule.version, rule.is_active, rule.pending) == (1, True, None)
    rule = services.sanction_rule_propose(user=analyst, fc=world.finance_company, rule=rule, name="警示",
                                          params={"window_days": "60"}, is_active=False)
    assert list(rule.versions.values_list("version", "is_active")) == [(2, False), (1, True)]
    with pytest.raises(ValidationError):  # nothing changed
        services.sanction_rule_propose(user=analyst, fc=world.finance_company, rule=rule, name="警示",
                                       params={"window_days": "60"}, is_active=False)


def test_only_the_finance_company_writes_rules(world):
    for role in ("enterprise", "institution", "government"):
        with pytest.raises(PermissionDenied):
            services.sanction_rule_propose(user=world.users[role], fc=world.finance_company,
                                           kind=RuleKind.DPD_SUSPENSION, name="x", params={"days": "90"},
                                           is_active=True)


def test_an_inactive_rule_applies_nothing(world, other_user):
    overdue_loan(world, other_user)
    services.sanction_rule_propose(user=world.users["finance"], fc=world.finance_company,
                                   kind=RuleKind.DPD_SUSPENSION, name="x", params={"days": "90"}, is_active=True)
    assert run(world)["applied"] == 0  # prepared, not approved
    assert timezone.now()


def test_the_disclosure_data_reads_as_labelled_rows(world, other_user):
    from infocenter.data_display import data_rows

    overdue_loan(world, other_user)
    rule_in_force(world, RuleKind.DPD_SUSPENSION, "逾期九十天暂停放款", days="90")
    run(world)
    pub = Publication.objects.get(category=Category.SANCTION)
    rows = {r["label"]: r for r in data_rows(Category.SANCTION, pub.data)}
    assert rows["Days past due"]["value"] == pub.data["dpd"]
    assert rows["Arrears"]["format"] == "yuan" and "Threshold (days past due)" in rows
