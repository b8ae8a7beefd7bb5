"""A grade change is notified to the firm's people as each of them chose for the topic
"Changes of my firm's credit rating" (each change, a daily digest, nothing)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from agents.choices import Role
from agents.tests.factories import MembershipFactory, UserFactory
from clusterfinance.rating.services import ratings_rescore
from infocenter.models import Event, Notification
from infocenter.services.events import events_dispatch
from infocenter.services.reports import report_decide, report_file

from .helpers import solid_firm

pytestmark = pytest.mark.django_db


def _grade_falls(world, django_capture_on_commit_callbacks):
    """Rate a solid firm, then two verified late-payment reports lower its grade; deliver the events."""
    solid_firm(world, world.firm)
    [first] = ratings_rescore(agent_ids=[world.firm.pk])
    for _ in range(2):
        report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                             category="late_payment", title="逾期", evidence="逾期 60 天", report_type="negative")
        report_decide(report=report, decided_by=world.users["finance"], status="verified")
    with django_capture_on_commit_callbacks(execute=True):
        [second] = ratings_rescore(agent_ids=[world.firm.pk])
    assert second.grade != first.grade
    with django_capture_on_commit_callbacks(execute=True):
        events_dispatch()
    return first, second


def test_the_topic_is_on_the_settings_page(world, client_for):
    page = client_for("enterprise").get(reverse("infocenter:notification-settings"))
    assert page.status_code == 200 and 'name="rating.changed"' in page.content.decode()


def test_who_turned_it_off_gets_nothing_and_the_others_are_told(world, client_for,
                                                                  django_capture_on_commit_callbacks):
    colleague = MembershipFactory(agent=world.firm, role=Role.ENTERPRISE_FINANCE,
                                  user=UserFactory(email="cfo@example.cn")).user
    owner = world.users["enterprise"]
    response = client_for("enterprise").post(reverse("infocenter:notification-settings"),
                                             {"rating.changed": "none"})
    assert response.status_code == 302
    first, second = _grade_falls(world, django_capture_on_commit_callbacks)
    assert Event.objects.filter(kind="rating.changed", subject_agent=world.firm).count() == 1
    assert not Notification.objects.filter(user=owner, topic="rating.changed").exists()
    note = Notification.objects.get(user=colleague, kind="rating.changed")
    assert note.topic == "rating.changed" and note.url == reverse("clusterfinance:rating:mine")
    with translation.override("en"):  # the page requests above switched the language to Chinese
        assert note.text == f"Your firm's credit rating changed: {first.grade} → {second.grade}."


def test_a_digest_reader_gets_the_change_in_the_daily_digest(world, client_for, django_capture_on_commit_callbacks):
    client_for("enterprise").post(reverse("infocenter:notification-settings"), {"rating.changed": "digest"})
    _first, second = _grade_falls(world, django_capture_on_commit_callbacks)
    [digest] = Notification.objects.filter(user=world.users["enterprise"], topic="rating.changed")
    assert digest.kind == "digest" and digest.count == 1
    assert second.grade in digest.latest[0]["text"]
