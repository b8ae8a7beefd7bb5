"""Notifications that do not drown people: the finance company's loan records reach a
supervisor as one daily digest (count and latest items) unless they choose each item or
nothing; the badge, e-mail, the kind filter and the settings page follow the choice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from infocenter import selectors
from infocenter.models import Notification, NotificationPreference
from infocenter.notify_texts import DIGEST_ITEMS
from infocenter.services import (
    events_dispatch,
    notification_digests_email,
    notification_preferences_set,
    publication_create,
    subscription_create,
)

pytestmark = pytest.mark.django_db
LOANS = "publications.loan_disclosure"


def _records(world, n, start=0):
    for i in range(start, start + n):
        publication_create(subject=world.firm, publisher=world.finance_company, category="loan_disclosure",
                           title=f"还款记录 HT-{i:03d}", visibility="members", key=f"loan-1-repayments-{i}")
    events_dispatch()


@pytest.fixture
def supervisor(world):
    user = world.users["government"]
    subscription_create(user=user, target="category", category="loan_disclosure", email=True)
    return user


def test_repayment_records_reach_a_supervisor_as_one_daily_digest(world, supervisor,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _records(world, 12)
    [digest] = Notification.objects.filter(user=supervisor)
    assert digest.is_digest and digest.count == 12 and digest.digest_day == timezone.localdate()
    assert [i["text"] for i in digest.latest][0].endswith("“还款记录 HT-011” (Loan records disclosure).")
    assert len(digest.latest) == DIGEST_ITEMS
    assert "12 new items" in digest.text and "Loan records disclosure" in digest.text
    assert selectors.unread_count(supervisor) == 1
    assert not mail.outbox  # a digest is mailed once, the next morning


def test_a_read_digest_becomes_unread_when_more_arrive_and_a_new_day_starts_a_new_one(world, supervisor):
    _records(world, 2)
    digest = Notification.objects.get(user=supervisor)
    Notification.objects.filter(pk=digest.pk).update(read_at=timezone.now())
    _records(world, 1, start=2)
    digest.refresh_from_db()
    assert digest.count == 3 and not digest.is_read
    Notification.objects.filter(pk=digest.pk).update(digest_day=timezone.localdate() - timedelta(days=1))
    _records(world, 1, start=3)
    assert Notification.objects.filter(user=supervisor).count() == 2


def test_each_item_or_nothing_as_the_person_chooses(world, supervisor, django_capture_on_commit_callbacks):
    notification_preferences_set(user=supervisor, choices={LOANS: "each"})
    with django_capture_on_commit_callbacks(execute=True):
        _records(world, 3)
    assert Notification.objects.filter(user=supervisor, digest_day__isnull=True, topic=LOANS).count() == 3
    assert len(mail.outbox) == 3  # each item, by e-mail as the subscription asks
    notification_preferences_set(user=supervisor, choices={LOANS: "none"})
    assert selectors.unread_count(supervisor) == 0  # what you chose not to hear no longer counts
    with django_capture_on_commit_callbacks(execute=True):
        _records(world, 2, start=3)
    assert Notification.objects.filter(user=supervisor).count() == 3 and len(mail.outbox) == 3


def test_the_digest_is_emailed_once_the_next_morning(world, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _records(world, 4)
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digests_email(day=timezone.localdate()) == 1
    [message] = mail.outbox
    assert supervisor.email in message.to and "还款记录 HT-003" in message.body
    assert notification_digests_email(day=timezone.localdate()) == 0  # once


def test_other_kinds_still_arrive_one_by_one(world, supervisor):
    subscription_create(user=supervisor, target="category", category="certifications")
    publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                       title="通过 ISO 9001 认证", visibility="public")
    events_dispatch()
    note = Notification.objects.get(user=supervisor)
    assert not note.is_digest and note.topic == "publications.certifications"


def test_unknown_kinds_or_deliveries_are_refused_and_change_nothing(world, supervisor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        notification_preferences_set(user=supervisor, choices={LOANS: "each", "publications.nope": "each"})
    with pytest.raises(ValidationError):
        notification_preferences_set(user=supervisor, choices={LOANS: "hourly"})
    assert not NotificationPreference.objects.exists()


def test_the_page_filters_by_kind_with_a_fixed_number_of_queries(world, supervisor, client,
                                                                 django_assert_max_num_queries):
    subscription_create(user=supervisor, target="category", category="certifications")
    client.force_login(supervisor)
    url = reverse("infocenter:notifications")

    def certify(n, start=0):
        for i in range(start, start + n):
            publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                               title=f"认证 {i}", visibility="public")
        events_dispatch()

    _records(world, 3)
    certify(2)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        page = client.get(url, {"kind": LOANS}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "3 new items" in body and "认证 0" not in body
    certify(30, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, {"kind": "publications.certifications"})
    # mark read only the filtered kind
    client.post(reverse("infocenter:notifications-read-all"), {"kind": "publications.certifications"})
    assert selectors.unread_count(supervisor) == 1  # the digest is still unread


def test_the_settings_page_saves_the_choices(world, supervisor, client):
    client.force_login(supervisor)
    url = reverse("infocenter:notification-settings")
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'name="{LOANS}" value="digest" aria-label' in body and "checked" in body
    assert reverse("infocenter:notification-settings") in client.get(reverse("infocenter:notifications")).content.decode()
    response = client.post(url, {LOANS: "each", "reports": "none"})
    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(user=supervisor).values_list("topic", "delivery")) == {
        LOANS: "each", "reports": "none"}
    assert client.post(url, {LOANS: "sometimes"}).status_code == 400
    # back to the default keeps no row
    client.post(url, {LOANS: "digest"})
    assert not NotificationPreference.objects.filter(user=supervisor, topic=LOANS).exists()
