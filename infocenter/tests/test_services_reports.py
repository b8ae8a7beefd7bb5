"""Reports about other agents: abuse control, the subject's right of reply, verification by
the finance company or the government, and the weight a report carries."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from infocenter.constants import REPORTS_PER_REPORTER_PER_DAY, REPORTS_PER_SUBJECT_PER_DAY
from infocenter.models import Alert, Event, Report
from infocenter.services import events_dispatch, report_decide, report_file, report_reply
from infocenter.tests.factories import AgentFactory, ReportFactory, other_cluster

pytestmark = pytest.mark.django_db


def _late_payment(world, **kwargs):
    defaults = {"reporter": world.bank, "subject": world.firm, "author": world.users["institution_officer"],
                "category": "late_payment", "title": "第三期还款逾期 45 天",
                "evidence": "贷款合同 YK-2026-001，第三期应于 2026-09-20 还款，至 11-04 仍未还。"}
    return report_file(**(defaults | kwargs))


def test_filing_a_report_suggests_its_type_and_writes_an_event(world):
    report = _late_payment(world)
    assert (report.report_type, report.status, report.module) == ("negative", "unverified", "business")
    event = Event.objects.get(kind="report.filed")
    assert event.payload["report_id"] == report.pk and event.agent_ids == [world.firm.pk]


def test_an_agent_cannot_report_about_itself(world):
    with pytest.raises(ValidationError, match="itself"):
        _late_payment(world, subject=world.bank)
    assert not Report.objects.exists()


def test_only_people_of_the_reporter_file_in_its_name(world):
    with pytest.raises(PermissionDenied):
        _late_payment(world, author=world.users["investor"])


def test_a_report_about_an_inactive_agent_is_refused(world):
    pending = AgentFactory(status="pending")
    with pytest.raises(ValidationError):
        _late_payment(world, subject=pending)


def test_the_daily_limit_per_subject(world):
    for i in range(REPORTS_PER_SUBJECT_PER_DAY):
        _late_payment(world, title=f"逾期 {i}")
    with pytest.raises(ValidationError, match="about this agent today"):
        _late_payment(world, title="one too many")
    # Another subject is still fine, and so is the same subject tomorrow.
    _late_payment(world, subject=world.other_firm)
    _late_payment(world, now=timezone.now() + timedelta(days=1))
    assert Report.objects.count() == REPORTS_PER_SUBJECT_PER_DAY + 2


def test_the_daily_limit_per_reporter(world):
    now = timezone.now()
    for i in range(REPORTS_PER_REPORTER_PER_DAY):
        ReportFactory(reporter=world.bank, subject=AgentFactory(), created_at=now, title=f"r{i}")
    with pytest.raises(ValidationError, match="daily limit"):
        _late_payment(world, now=now)


def test_weights_give_unverified_negative_reports_less_weight():
    def weight(status, kind):
        return Report(status=status, report_type=kind).weight

    assert weight("unverified", "negative") < weight("unverified", "positive") < weight("verified", "negative")
    assert weight("verified", "negative") == weight("verified", "positive") == 1.0
    assert weight("rejected", "negative") == 0.0
    assert Report(status="verified", report_type="negative").signed_weight == -1.0
    assert Report(status="unverified", report_type="negative").signed_weight == -0.25


def test_the_subject_replies_and_only_the_subject(world):
    report = _late_payment(world)
    with pytest.raises(PermissionDenied):
        report_reply(report=report, author=world.users["institution_officer"], text="我们自己回复")
    with pytest.raises(ValidationError):
        report_reply(report=report, author=world.users["enterprise"], text="   ")
    report = report_reply(report=report, author=world.users["enterprise"],
                          text="第三期已于 2026-11-05 结清，逾期因客户回款延迟，附银行回单。")
    assert report.reply.startswith("第三期已于") and report.replied_by == world.users["enterprise"]
    assert Event.objects.filter(kind="report.replied").count() == 1


def test_the_reply_is_shown_beside_the_report(world, client_for):
    report = _late_payment(world)
    report_reply(report=report, author=world.users["enterprise"], text="已结清，附回单。")
    page = client_for("finance").get(f"/hub/reports/{report.pk}/").content.decode()
    assert "已结清，附回单。" in page and 'data-testid="reply"' in page
    assert "第三期还款逾期 45 天" in page


def test_the_finance_company_or_the_government_decides(world):
    report = _late_payment(world)
    with pytest.raises(PermissionDenied):  # the reporter never verifies its own report
        report_decide(report=report, decided_by=world.users["institution"], status="verified")
    with pytest.raises(PermissionDenied):  # nor the subject
        report_decide(report=report, decided_by=world.users["enterprise"], status="rejected", note="不实")
    report = report_decide(report=report, decided_by=world.users["finance_analyst"], status="verified")
    assert report.status == "verified" and report.decided_by_agent == world.finance_company
    report = report_decide(report=report, decided_by=world.users["government"], status="disputed",
                           note="企业提供了还款回单，双方说法不一")
    assert report.status == "disputed" and report.decided_by_agent == world.gov
    kinds = list(Event.objects.filter(kind="report.decided").values_list("payload__status", flat=True))
    assert kinds == ["verified", "disputed"]


def test_disputing_or_rejecting_needs_a_reason_and_unverified_is_not_a_decision(world):
    report = _late_payment(world)
    with pytest.raises(ValidationError):
        report_decide(report=report, decided_by=world.users["finance"], status="rejected")
    with pytest.raises(ValidationError):
        report_decide(report=report, decided_by=world.users["finance"], status="unverified")
    report.refresh_from_db()
    assert report.status == "unverified"


def test_the_finance_company_of_another_cluster_cannot_decide(world):
    from infocenter.tests.factories import user_of

    fc2, _ = other_cluster()
    report = _late_payment(world)
    with pytest.raises(PermissionDenied):
        report_decide(report=report, decided_by=user_of(fc2), status="verified")


def test_a_government_report_is_verified_by_the_finance_company_not_by_the_government(world):
    report = report_file(reporter=world.gov, subject=world.firm, author=world.users["government"],
                         category="tax_arrear", title="欠缴增值税", evidence="2026 年三季度欠缴增值税 3.2 万元。")
    with pytest.raises(PermissionDenied):
        report_decide(report=report, decided_by=world.users["government"], status="verified")
    report_decide(report=report, decided_by=world.users["finance"], status="verified")


def test_other_members_see_a_report_only_once_it_is_verified(world):
    report = _late_payment(world)
    investor, other = world.users["investor"], world.users["finance"]
    assert not Report.objects.restrict(investor).filter(pk=report.pk).exists()
    assert Report.objects.restrict(other).filter(pk=report.pk).exists()  # the cluster's finance company
    assert not Report.objects.restrict(None).filter(pk=report.pk).exists()
    report_decide(report=report, decided_by=world.users["finance"], status="verified")
    assert Report.objects.restrict(investor).filter(pk=report.pk).exists()
    assert not Report.objects.restrict(None).filter(pk=report.pk).exists()  # never public


def test_a_verified_negative_report_raises_an_alert_for_the_regions_government(world):
    report = _late_payment(world)
    report_decide(report=report, decided_by=world.users["finance"], status="verified")
    events_dispatch()
    alert = Alert.objects.get()
    assert alert.government == world.gov and alert.subject == world.firm and alert.report == report
    assert world.firm.name in alert.text
    # A positive verified report raises none; a second dispatch adds nothing.
    good = _late_payment(world, category="good_relationship", title="合作三年按时还款")
    report_decide(report=good, decided_by=world.users["finance"], status="verified")
    events_dispatch()
    assert Alert.objects.count() == 1
