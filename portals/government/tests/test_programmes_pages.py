"""Pages of the programmes, meetings and policies: the whole journey through the test client,
refusals on the page with nothing posted, other agents' ids → 404, fixed query counts."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.choices import Role
from agents.tests.factories import AgentFactory, MembershipFactory, UserFactory
from lending.ledger.checks import ledger_verify
from lending.ledger.models import JournalEntry
from lending.tests.factories import make_loan, pay
from portals.government import services_meetings as meetings
from portals.government import services_programmes as services
from portals.government.models_programmes import (
    InvitationResponse,
    MeetingStatus,
    ProgrammeKind,
    SupportApplication,
    SupportApplicationStatus,
    SupportProgramme,
)
from portals.government.tests.factories import GovernmentProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer(world):
    return MembershipFactory(agent=world.gov, role=Role.GOV_SUPERVISOR, user=UserFactory(email="gov2@example.cn")).user


def make_programme(world, kind=ProgrammeKind.INTEREST_SUBSIDY, gov=None, user=None, **kw):
    return services.programme_create(user=user or world.users["government"], government=gov or world.gov,
                                     kind=kind, title=f"贴息 {kind}", share="0.5", period_start=date(2026, 1, 1),
                                     period_end=date(2026, 12, 31), **kw)


def test_programme_journey_through_the_pages(world, client, second_officer):
    loan = make_loan(world, lender="bank", amount="60000.00", periods=6, rate="0.06", start=date(2026, 1, 15))
    pay(world, loan, "10174.09", date(2026, 2, 15))
    client.force_login(world.users["government"])
    response = client.post(reverse("government:programme-create"), {
        "kind": "interest_subsidy", "title": "2026年制造业贴息", "share": "50%", "period_start": "2026-01-01",
        "period_end": "2026-12-31", "industries": "C33", "size_classes": ["small", "micro"], "min_grade": "",
        "priority_weight": "0.01"})
    assert response.status_code == 302
    programme = SupportProgramme.objects.get(title="2026年制造业贴息")
    detail = reverse("government:programme-detail", kwargs={"pk": programme.pk})
    assert client.post(detail, {"action": "fund", "amount": "30.00", "on": "2026-01-02",
                                "idempotency_key": "k1"}).status_code == 302
    # the firm applies from its side
    client.force_login(world.users["enterprise"])
    page = client.get(reverse("government:programmes-firm"))
    assert programme.title in page.content.decode()
    apply_url = reverse("government:programme-apply", kwargs={"pk": programme.pk})
    assert client.get(apply_url).status_code == 200
    assert client.post(apply_url, {"note": "申请贴息"}).status_code == 302
    application = SupportApplication.objects.get(programme=programme)
    # officer 1 prepares; approving herself is refused; officer 2 is refused over budget, nothing posted
    client.force_login(world.users["government"])
    review = {"action": "review", "application": application.pk, "note": ""}
    assert client.post(detail, {**review, "verb": "prepare"}).status_code == 302
    application.refresh_from_db()
    assert application.status == SupportApplicationStatus.PREPARED and application.amount > 30
    entries = JournalEntry.objects.count()
    response = client.post(detail, {**review, "verb": "approve"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "prepared" in response.content.decode()
    client.force_login(second_officer)
    response = client.post(detail, {**review, "verb": "approve"})
    assert response.status_code == 400 and 'data-testid="form-error"' in response.content.decode()
    assert JournalEntry.objects.count() == entries
    assert client.post(detail, {"action": "fund", "amount": "100000", "on": "2026-01-02",
                                "idempotency_key": "k2"}).status_code == 302
    assert client.post(detail, {**review, "verb": "approve"}).status_code == 302
    application.refresh_from_db()
    assert application.status == SupportApplicationStatus.PAID and ledger_verify().ok
    # priorities for the allocation
    assert client.post(detail, {"action": "priorities", "industries": "C33"}).status_code == 302
    # bad input on the funding form: an error on the page, nothing posted
    entries = JournalEntry.objects.count()
    response = client.post(detail, {"action": "fund", "amount": "abc", "on": "2026-01-02", "idempotency_key": "k3"})
    assert response.status_code == 200 and 'data-testid="error-amount"' in response.content.decode()
    assert JournalEntry.objects.count() == entries


def test_lender_claims_through_its_page(world, client):
    from lending.services.delinquency import delinquency_run

    loan = make_loan(world, lender="bank", amount="40000.00", periods=12, start=date(2026, 2, 1))
    delinquency_run(as_of=date(2026, 7, 1))
    programme = make_programme(world, kind=ProgrammeKind.RISK_COMPENSATION)
    client.force_login(world.users["institution"])
    assert programme.title in client.get(reverse("government:programmes-lender")).content.decode()
    url = reverse("government:programme-claim", kwargs={"pk": programme.pk})
    assert loan.contract_no in client.get(url).content.decode()
    assert client.post(url, {"loan": loan.pk, "note": "逾期"}).status_code == 302
    claim = SupportApplication.objects.get(programme=programme)
    assert claim.applicant == world.bank and claim.loan == loan
    # the firm cannot apply for a risk-compensation fund: not found from its side
    client.force_login(world.users["enterprise"])
    assert client.get(reverse("government:programme-apply", kwargs={"pk": programme.pk})).status_code == 404


def test_other_governments_programmes_and_meetings_are_not_found(world, client):
    other = GovernmentProfileFactory(agent__region_code="110101").agent
    other_user = MembershipFactory(agent=other, role=Role.GOV_SUPERVISOR, user=UserFactory(email="o@x.cn")).user
    theirs = make_programme(world, gov=other, user=other_user)
    meeting = meetings.meeting_schedule(user=other_user, government=other, title="会", starts_at="2026-12-01 09:00",
                                        place="北京", agenda="议程")
    client.force_login(world.users["government"])
    assert client.get(reverse("government:programme-detail", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("government:programme-detail", kwargs={"pk": theirs.pk}),
                       {"action": "close"}).status_code == 404
    assert client.get(reverse("government:meeting-detail", kwargs={"pk": meeting.pk})).status_code == 404
    # a firm outside the other government's region does not see its programme
    client.force_login(world.users["enterprise"])
    assert client.get(reverse("government:programme-apply", kwargs={"pk": theirs.pk})).status_code == 404
    # another firm's invitation cannot be answered
    ours = meetings.meeting_schedule(user=world.users["government"], government=world.gov, title="座谈会",
                                     starts_at="2026-12-01 09:00", place="永康", agenda="议程")
    meetings.meeting_invite(user=world.users["government"], meeting=ours, firm_ids=[world.other_firm.pk])
    invitation = ours.invitations.get()
    assert client.post(reverse("government:meeting-invitations"),
                       {"invitation": invitation.pk, "answer": "accept"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.response == InvitationResponse.PENDING


def test_meeting_journey_through_the_pages(world, client):
    client.force_login(world.users["government"])
    response = client.post(reverse("government:meetings"), {
        "title": "融资政策座谈会", "starts_at": "2026-12-15T14:30", "place": "市政府三楼", "agenda": "贴息政策解读"})
    assert response.status_code == 302
    meeting = world.gov.policy_meetings.get()
    url = reverse("government:meeting-detail", kwargs={"pk": meeting.pk})
    assert client.post(url, {"action": "invite", "industries": "C33"}).status_code == 302
    assert meeting.invitations.count() == 2
    client.force_login(world.users["enterprise"])
    invitation = meeting.invitations.get(firm=world.firm)
    assert meeting.title in client.get(reverse("government:meeting-invitations")).content.decode()
    assert client.post(reverse("government:meeting-invitations"),
                       {"invitation": invitation.pk, "answer": "accept"}).status_code == 302
    client.force_login(world.users["government"])
    # minutes before attendance: refused on the page
    response = client.post(url, {"action": "minutes", "minutes": "纪要"})
    assert response.status_code == 200 and "form-error" in response.content.decode()
    assert client.post(url, {"action": "attendance", "attended": [world.firm.pk]}).status_code == 302
    assert client.post(url, {"action": "minutes", "minutes": "一、企业反映……"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.minutes_publication.module == "government"
    assert client.post(reverse("government:policies"), {"title": "若干措施", "body": "第一条", "period": ""}) \
        .status_code == 302


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_fixed_query_counts(world, client, second_officer):
    firms = [AgentFactory(kind="enterprise") for _ in range(6)]

    def grow(n, offset):
        for i in range(n):
            p = make_programme(world, min_grade="", industries="", cluster=world.cluster if i % 2 else None)
            services.programme_fund(user=world.users["government"], programme=p, amount="1000", on="2026-01-02",
                                    idempotency_key=f"grow-{offset}-{i}")
            services.programme_apply(user=world.users["enterprise"], programme=p, firm=world.firm)
            m = meetings.meeting_schedule(user=world.users["government"], government=world.gov, title=f"会{i}",
                                          starts_at="2026-12-01 09:00", place="永康", agenda="议程")
            meetings.meeting_invite(user=world.users["government"], meeting=m, firm_ids=[world.firm.pk] +
                                    [f.pk for f in firms[:3]])
            meetings.policy_publish(user=world.users["government"], government=world.gov, title=f"政策{i}",
                                    body="正文")

    grow(1, "a")
    first = SupportProgramme.objects.order_by("pk").first()
    meeting = world.gov.policy_meetings.order_by("pk").first()
    pages = {"government": [reverse("government:programmes"), reverse("government:meetings"),
                            reverse("government:policies"),
                            reverse("government:programme-detail", kwargs={"pk": first.pk}),
                            reverse("government:meeting-detail", kwargs={"pk": meeting.pk})],
             "enterprise": [reverse("government:programmes-firm"), reverse("government:meeting-invitations")]}

    def counts():
        result = {}
        for role, urls in pages.items():
            client.force_login(world.users[role])
            for url in urls:
                result[url] = _queries(client, url)
        return result

    small = counts()
    grow(4, "b")
    meetings.meeting_invite(user=world.users["government"], meeting=meeting, firm_ids=[f.pk for f in firms])
    assert counts() == small
