"""Subscriptions and notifications: followers get what they may read (and e-mail when they
asked), parties of a report or a consent are told, the navbar counts unread ones."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from infocenter.models import Notification, Subscription
from infocenter.services import (
    consent_grant,
    events_dispatch,
    notification_mark_read,
    publication_create,
    report_decide,
    report_file,
    report_reply,
    subscription_create,
)

pytestmark = pytest.mark.django_db


def _publish(world, **kwargs):
    defaults = {"subject": world.firm, "author": world.users["enterprise"], "category": "certifications",
                "title": "通过 ISO 9001 认证", "visibility": "public"}
    return publication_create(**(defaults | kwargs))


def test_followers_of_a_module_an_agent_or_a_category_are_notified_once(world):
    investor, bank = world.users["investor"], world.users["institution"]
    subscription_create(user=investor, target="module", module="enterprise")
    subscription_create(user=investor, target="agent", agent=world.firm)  # matches too: still one notification
    subscription_create(user=bank, target="category", category="certifications")
    subscription_create(user=world.users["finance"], target="module", module="government")  # not matching
    pub = _publish(world)
    events_dispatch()
    got = {n.user_id: n for n in Notification.objects.all()}
    assert set(got) == {investor.pk, bank.pk}
    assert world.firm.name in got[investor.pk].text and "ISO 9001" in got[investor.pk].text
    assert got[investor.pk].url == f"/hub/p/{pub.pk}/"


def test_followers_are_not_told_about_what_they_may_not_read(world):
    subscription_create(user=world.users["investor"], target="agent", agent=world.firm)
    subscription_create(user=world.users["government"], target="agent", agent=world.firm)
    _publish(world, visibility="consent", title="在手订单")
    events_dispatch()
    assert list(Notification.objects.values_list("user__email", flat=True)) == ["government@example.cn"]


def test_the_publisher_is_not_notified_of_its_own_publication(world):
    subscription_create(user=world.users["enterprise"], target="module", module="enterprise")
    _publish(world)
    events_dispatch()
    assert not Notification.objects.exists()


def test_email_goes_out_after_the_commit_for_those_who_asked(world, django_capture_on_commit_callbacks):
    subscription_create(user=world.users["investor"], target="module", module="enterprise", email=True)
    subscription_create(user=world.users["institution"], target="module", module="enterprise", email=False)
    _publish(world)
    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()
    assert [m.to for m in mail.outbox] == [["investor@example.cn"]]
    assert "ISO 9001" in mail.outbox[0].body and "/hub/p/" in mail.outbox[0].body
    assert Notification.objects.get(user=world.users["investor"]).emailed_at


def test_the_parties_of_a_report_are_told_at_each_step(world):
    report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution_officer"],
                         category="late_payment", title="第三期逾期", evidence="应还未还")
    events_dispatch()
    told = set(Notification.objects.filter(kind="report.filed").values_list("user__email", flat=True))
    # the subject and the verifiers (its finance company, its region's government), not the reporter
    assert told == {"enterprise@example.cn", "finance@example.cn", "analyst@example.cn", "government@example.cn"}
    report_reply(report=report, author=world.users["enterprise"], text="已结清")
    events_dispatch()
    told = set(Notification.objects.filter(kind="report.replied").values_list("user__email", flat=True))
    assert {"institution@example.cn", "officer@example.cn"} <= told and "enterprise@example.cn" not in told
    report_decide(report=report, decided_by=world.users["finance"], status="verified")
    events_dispatch()
    told = set(Notification.objects.filter(kind="report.decided").values_list("user__email", flat=True))
    assert told == {"enterprise@example.cn", "institution@example.cn", "officer@example.cn"}


def test_the_grantee_is_told_of_a_consent(world):
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=timezone.localdate() + timedelta(days=30))
    events_dispatch()
    notes = Notification.objects.filter(kind="consent.granted")
    assert set(notes.values_list("user__email", flat=True)) == {"institution@example.cn", "officer@example.cn"}
    assert world.firm.name in notes.first().text


def test_unread_count_in_the_navbar_and_marking_read(world, client_for):
    subscription_create(user=world.users["investor"], target="module", module="enterprise")
    _publish(world)
    _publish(world, title="第二条", category="major_events")
    events_dispatch()
    client = client_for("investor")
    page = client.get("/investor/").content.decode()
    assert 'data-testid="unread-count">2<' in page
    note = Notification.objects.filter(user=world.users["investor"]).first()
    response = client.get(f"/hub/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == note.url
    assert 'data-testid="unread-count">1<' in client.get("/hub/notifications/badge/").content.decode()
    client.post("/hub/notifications/read-all/")
    assert 'data-testid="unread-count"' not in client.get("/hub/notifications/badge/").content.decode()
    # Someone else's notification is not theirs to open.
    assert client_for("enterprise").get(f"/hub/notifications/{note.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=note, user=world.users["enterprise"])


def test_following_from_a_page_and_unfollowing(world, client_for):
    client = client_for("institution")
    client.post("/hub/follow/", {"target": "agent", "agent": world.firm.pk, "next": "/hub/"})
    client.post("/hub/follow/", {"target": "module", "module": "business"})
    assert Subscription.objects.filter(user=world.users["institution"]).count() == 2
    client.post("/hub/follow/", {"target": "agent", "agent": world.firm.pk, "unfollow": "1"})
    assert list(Subscription.objects.filter(user=world.users["institution"]).values_list("target", flat=True)) == [
        "module"]
    response = client.post("/hub/follow/", {"target": "module", "module": "enterprise"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="unfollow"' in response.content.decode()
    # following the same thing twice is one subscription
    client.post("/hub/subscriptions/", {"module": "enterprise", "email": "on"})
    sub = Subscription.objects.get(user=world.users["institution"], module="enterprise")
    assert sub.email


def test_following_an_agent_one_may_not_see_is_refused(world, client_for):
    from infocenter.tests.factories import other_region_government

    hidden = other_region_government()
    hidden.kind = "investor"
    hidden.save(update_fields=["kind"])  # private investors are not in the public register
    response = client_for("institution").post("/hub/follow/", {"target": "agent", "agent": hidden.pk})
    assert response.status_code == 404
    assert not Subscription.objects.exists()


def test_a_notification_is_rendered_in_the_readers_language_from_stored_values(world):
    from django.utils import translation

    report_file(reporter=world.bank, subject=world.firm, author=world.users["institution_officer"],
                category="late_payment", title="第三期逾期", evidence="应还未还")
    events_dispatch()
    note = Notification.objects.filter(user=world.users["enterprise"]).get()
    assert note.params["type"] == "negative"  # the value, not a label frozen in one language
    with translation.override("en"):
        assert note.text == f"{world.bank.name} filed a negative report about {world.firm.name}: “第三期逾期”."
