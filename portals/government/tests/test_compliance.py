"""The compliance monitor: each rule fires on a breach and stays quiet within limits; the check
is idempotent (an open alert is updated, never duplicated) and resolves alerts back within
limits; the lifecycle open → acknowledged → resolved with its history; the beat entry."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agents.choices import AgentKind, Role
from agents.oversight import finding_source_register, finding_source_unregister
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from infocenter.tests.factories import ReportFactory
from lending.ledger.models import LedgerAlert
from portals.government.models_oversight import (
    AlertAction,
    AlertStatus,
    ComplianceAlert,
    ComplianceAlertEvent,
    ComplianceRule,
)
from portals.government.services_compliance import (
    alert_acknowledge,
    alert_assign,
    alert_resolve,
    compliance_check,
    compliance_settings_set,
    private_caps_set,
)

from .oversight_world import investor, loan, private_loan

pytestmark = pytest.mark.django_db
R = ComplianceRule


def _alerts(world, rule=None, **filters):
    qs = ComplianceAlert.objects.filter(government=world.gov, **filters)
    return qs.filter(rule=rule) if rule else qs


def _open(world, rule):
    return _alerts(world, rule).exclude(status=AlertStatus.RESOLVED)


def _check(world):
    return compliance_check(government=world.gov)


# --- the 50 % rule, by count and by volume ---------------------------------------------------------

def test_sme_rule_by_count_fires_when_large_institutions_are_the_majority(world):
    _check(world)
    assert not _open(world, R.SME_INSTITUTIONS_COUNT).exists()  # one small bank: 100 %
    AgentFactory(kind=AgentKind.INSTITUTION, size_class="large", industry_code="J66")
    _check(world)
    assert not _open(world, R.SME_INSTITUTIONS_COUNT).exists()  # one of two: exactly half holds
    AgentFactory(kind=AgentKind.INSTITUTION, size_class="large", industry_code="J66")
    _check(world)
    alert = _open(world, R.SME_INSTITUTIONS_COUNT).get()
    assert alert.measured == Decimal("0.333300") and alert.threshold == Decimal("0.5")
    assert alert.details == {"institutions": 3, "small_medium": 1}


def test_sme_rule_by_volume_follows_the_outstanding_lent(world):
    loan(world, lender="bank", amount="100000.00")
    _check(world)
    assert not _open(world, R.SME_INSTITUTIONS_VOLUME).exists()  # all of it from the small bank
    # the bank turns out to be large; a small institution that lends nothing keeps the count at half
    world.bank.size_class = "large"
    world.bank.save()
    AgentFactory(kind=AgentKind.INSTITUTION, size_class="small", industry_code="J66")
    _check(world)
    assert not _open(world, R.SME_INSTITUTIONS_COUNT).exists()
    alert = _open(world, R.SME_INSTITUTIONS_VOLUME).get()
    assert alert.measured == Decimal("0") and alert.details["volume"] == "100000.00"


# --- caps on private lending ---------------------------------------------------------------------

def test_private_caps_fire_per_firm_per_person_and_per_lender(world):
    other, other_user = investor()
    private_loan(world.investor, world.users["investor"], world.firm, "300000.00")
    private_loan(other, other_user, world.firm, "200000.00")
    world.other_firm.credit_code = "92330784MA2B3C4D5E"  # an individual business
    world.other_firm.save()
    private_loan(other, other_user, world.other_firm, "150000.00")
    _check(world)
    assert not _alerts(world).filter(rule__startswith="private").exists()
    # the government lowers its caps below what is already lent
    private_caps_set(government=world.gov, user=world.users["government"], per_firm=Decimal("400000"),
                     per_natural_person=Decimal("100000"), per_lender=Decimal("300000"))
    _check(world)
    firm = _open(world, R.PRIVATE_FIRM_CAP).get()
    assert (firm.subject_agent, firm.measured, firm.threshold) == (world.firm, Decimal("500000"), Decimal("400000"))
    person = _open(world, R.PRIVATE_PERSON_CAP).get()
    assert (person.subject_agent, person.measured) == (world.other_firm, Decimal("150000"))
    lender = _open(world, R.PRIVATE_LENDER_CAP).get()
    assert (lender.subject_agent, lender.measured) == (other, Decimal("350000"))  # 200,000 + 150,000
    assert not _open(world, R.PRIVATE_FIRM_CAP).filter(subject_agent=world.other_firm).exists()


def test_caps_are_saved_in_lending_for_the_investor_portal(world):
    from lending.models import PrivateLendingCaps

    private_caps_set(government=world.gov, user=world.users["government"], per_firm=Decimal("800000"),
                     per_natural_person=Decimal("150000"), per_lender=Decimal("250000"))
    caps = PrivateLendingCaps.objects.get(government=world.gov)
    assert (caps.per_firm, caps.per_natural_person, caps.per_lender) == (800000, 150000, 250000)
    assert caps.updated_by == world.users["government"]
    with pytest.raises(PermissionDenied):
        private_caps_set(government=world.gov, user=world.users["finance"], per_firm=Decimal("1"),
                         per_natural_person=Decimal("1"), per_lender=Decimal("1"))


# --- suitability (a source the investor portal registers) ----------------------------------------

def test_suitability_rule_reads_a_registered_source_and_finds_nothing_without_one(world):
    _check(world)
    assert not _alerts(world, R.INVESTOR_SUITABILITY).exists()

    def breaches(prefix):
        assert prefix == "330784"
        return [{"subject_key": f"agent:{world.investor.pk}", "subject_label": world.investor.name,
                 "subject_agent_id": world.investor.pk, "measured": Decimal(1), "threshold": Decimal(0),
                 "details": {"level": "C2", "product": "R4"}}]

    finding_source_register(R.INVESTOR_SUITABILITY, breaches, name="test")
    try:
        _check(world)
        alert = _open(world, R.INVESTOR_SUITABILITY).get()
        assert alert.subject_agent == world.investor and alert.details == {"level": "C2", "product": "R4"}
    finally:
        finding_source_unregister(R.INVESTOR_SUITABILITY, "test")
    _check(world)
    assert _alerts(world, R.INVESTOR_SUITABILITY).get().status == AlertStatus.RESOLVED


# --- concentration ---------------------------------------------------------------------------------

def test_single_borrower_concentration(world):
    loan(world, borrower=world.firm, amount="50000.00")
    loan(world, borrower=world.other_firm, amount="50000.00", borrower_user=MembershipFactory(
        agent=world.other_firm, role=Role.ENTERPRISE_OWNER, user=UserFactory()).user)
    compliance_settings_set(government=world.gov, user=world.users["government"], borrower_share=Decimal("0.5"),
                            industry_share=Decimal("1"))
    _check(world)
    assert not _alerts(world, R.BORROWER_CONCENTRATION).exists()  # each exactly half: not above
    compliance_settings_set(government=world.gov, user=world.users["government"], borrower_share=Decimal("0.4"))
    _check(world)
    assert set(_open(world, R.BORROWER_CONCENTRATION).values_list("subject_agent", flat=True)) == {
        world.firm.pk, world.other_firm.pk}
    assert _open(world, R.BORROWER_CONCENTRATION).first().measured == Decimal("0.5")


def test_industry_concentration(world):
    loan(world, borrower=world.firm, amount="80000.00")
    owner = MembershipFactory(agent=world.other_firm, role=Role.ENTERPRISE_OWNER, user=UserFactory()).user
    world.other_firm.industry_code = "C34"
    world.other_firm.save()
    loan(world, borrower=world.other_firm, amount="20000.00", borrower_user=owner)
    compliance_settings_set(government=world.gov, user=world.users["government"], borrower_share=Decimal("1"),
                            industry_share=Decimal("0.8"))
    _check(world)
    assert not _alerts(world, R.INDUSTRY_CONCENTRATION).exists()  # C33 is exactly 80 %
    compliance_settings_set(government=world.gov, user=world.users["government"], industry_share=Decimal("0.7"))
    _check(world)
    alert = _open(world, R.INDUSTRY_CONCENTRATION).get()
    assert alert.subject_key == "industry:C33" and alert.measured == Decimal("0.8")


# --- unverified negative reports ----------------------------------------------------------------

def test_unverified_negative_reports_by_count_and_by_age(world):
    compliance_settings_set(government=world.gov, user=world.users["government"], negative_reports_count=3,
                            negative_reports_days=30)
    ReportFactory.create_batch(2, subject=world.firm, reporter=world.bank)
    ReportFactory(subject=world.firm, reporter=world.bank, report_type="positive")
    ReportFactory(subject=world.firm, reporter=world.bank, status="verified")
    _check(world)
    assert not _alerts(world, R.NEGATIVE_REPORTS).exists()
    old = ReportFactory(subject=world.other_firm, reporter=world.bank)
    _check(world)
    assert _open(world, R.NEGATIVE_REPORTS).get().subject_key == "count"  # three waiting
    type(old).objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    _check(world)
    age = _open(world, R.NEGATIVE_REPORTS).get(subject_key="age")
    assert age.measured == 31 and age.threshold == 30


# --- ledger reconciliation -----------------------------------------------------------------------

def test_ledger_reconciliation_failures(world):
    _check(world)
    assert not _alerts(world, R.LEDGER_RECONCILIATION).exists()
    failure = LedgerAlert.objects.create(kind="balance_mismatch", message="1 cached balance differs")
    _check(world)
    alert = _open(world, R.LEDGER_RECONCILIATION).get()
    assert alert.measured == 1 and alert.details == {"kinds": {"balance_mismatch": 1}}
    failure.resolved_at = timezone.now()
    failure.save()
    _check(world)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.history.last().action == AlertAction.AUTO_RESOLVED and alert.history.last().actor is None


# --- guarantee circles ---------------------------------------------------------------------------

def test_guarantee_circle_over_its_threshold(world):
    from clusterfinance.guarantees.models import FirmCapacity, GuaranteeFund
    from clusterfinance.guarantees.services import firm_guarantee_record

    fund = GuaranteeFund.objects.create(cluster=world.cluster)
    for firm in (world.firm, world.other_firm):
        FirmCapacity.objects.create(fund=fund, firm=firm, capacity=Decimal("100000.00"),
                                    created_by=world.users["finance"])
    user = world.users["finance"]
    firm_guarantee_record(user=user, cluster=world.cluster, guarantor=world.firm, borrower=world.other_firm,
                          amount="40000.00")
    _check(world)
    assert not _alerts(world, R.GUARANTEE_CIRCLE).exists()  # a chain, not a circle
    firm_guarantee_record(user=user, cluster=world.cluster, guarantor=world.other_firm, borrower=world.firm,
                          amount="40000.00")
    _check(world)
    assert not _alerts(world, R.GUARANTEE_CIRCLE).exists()  # 80,000 of 200,000: 40 % ≤ 50 %
    firm_guarantee_record(user=user, cluster=world.cluster, guarantor=world.firm, borrower=world.other_firm,
                          amount="30000.00")
    _check(world)
    alert = _open(world, R.GUARANTEE_CIRCLE).get()
    assert alert.measured == Decimal("0.55") and alert.threshold == Decimal("0.5")
    assert world.firm.name in alert.subject_label and world.other_firm.name in alert.subject_label


# --- idempotence and the lifecycle ---------------------------------------------------------------

def _ledger_alert(world):
    LedgerAlert.objects.create(kind="balance_mismatch", message="x")
    _check(world)
    return _open(world, R.LEDGER_RECONCILIATION).get()


def test_the_check_is_idempotent_and_updates_the_open_alert(world):
    alert = _ledger_alert(world)
    history = ComplianceAlertEvent.objects.count()
    result = _check(world)
    assert (result.raised, result.updated, result.resolved, result.unchanged) == (0, 0, 0, 1)
    assert ComplianceAlertEvent.objects.count() == history  # nothing changed, nothing written
    LedgerAlert.objects.create(kind="loan_mismatch", message="y")
    result = _check(world)
    assert (result.raised, result.updated) == (0, 1)
    assert _alerts(world, R.LEDGER_RECONCILIATION).get().pk == alert.pk
    alert.refresh_from_db()
    assert alert.measured == 2
    assert list(alert.history.values_list("action", flat=True)) == [AlertAction.RAISED, AlertAction.UPDATED]


def test_lifecycle_open_acknowledged_resolved_with_history(world):
    alert = _ledger_alert(world)
    gov_user = world.users["government"]
    colleague = MembershipFactory(agent=world.gov, role=Role.GOV_SUPERVISOR, user=UserFactory()).user
    with pytest.raises(ValidationError):
        alert_resolve(alert=alert, user=gov_user, note="  ")
    alert = alert_acknowledge(alert=alert, user=gov_user, note="查看中")
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.owner == gov_user
    with pytest.raises(ValidationError):
        alert_acknowledge(alert=alert, user=gov_user)
    alert = alert_assign(alert=alert, user=gov_user, owner=colleague)
    assert alert.owner == colleague
    with pytest.raises(ValidationError):
        alert_assign(alert=alert, user=gov_user, owner=world.users["finance"])  # not of this government
    alert = alert_resolve(alert=alert, user=colleague, note="平台已核对并更正")
    assert alert.status == AlertStatus.RESOLVED and alert.resolved_at is not None
    rows = list(alert.history.values_list("action", "actor", "status"))
    assert rows == [(AlertAction.RAISED, None, AlertStatus.OPEN),
                    (AlertAction.ACKNOWLEDGED, gov_user.pk, AlertStatus.ACKNOWLEDGED),
                    (AlertAction.ASSIGNED, gov_user.pk, AlertStatus.ACKNOWLEDGED),
                    (AlertAction.RESOLVED, colleague.pk, AlertStatus.RESOLVED)]
    with pytest.raises(ValidationError):
        alert_resolve(alert=alert, user=colleague, note="again")
    # resolved by hand while the breach holds: the next check raises a new alert
    _check(world)
    assert _alerts(world, R.LEDGER_RECONCILIATION).count() == 2
    assert _open(world, R.LEDGER_RECONCILIATION).get().pk != alert.pk


def test_only_the_government_acts_on_its_alerts(world):
    alert = _ledger_alert(world)
    for role in ("finance", "institution", "enterprise", "investor"):
        with pytest.raises(PermissionDenied):
            alert_acknowledge(alert=alert, user=world.users[role])
    other_gov_user = MembershipFactory(agent=AgentFactory(kind=AgentKind.GOVERNMENT, region_code="330100",
                                                          industry_code="", size_class=""),
                                       role=Role.GOV_SUPERVISOR, user=UserFactory()).user
    with pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, user=other_gov_user)


def test_beat_runs_the_check_for_every_government(world):
    from portals.government.tasks_compliance import compliance_check_all

    entry = settings.CELERY_BEAT_SCHEDULE["government-compliance-check"]
    assert entry["task"] == compliance_check_all.name
    LedgerAlert.objects.create(kind="balance_mismatch", message="x")
    result = compliance_check_all()
    assert result[str(world.gov.pk)]["raised"] == 1
    assert _open(world, R.LEDGER_RECONCILIATION).exists()
