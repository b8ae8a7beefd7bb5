"""The information centre's demo: every module has content, reports go both ways with
decisions and replies, a few firms consent to the demo bank, the demo users follow things."""

from io import StringIO

import pytest
from django.core.management import call_command

from infocenter.choices import InfoModule
from infocenter.models import AccessLog, Alert, Consent, Event, Notification, Publication, Report, Subscription

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_module_and_the_feedback_loop():
    call_command("seed_demo", stdout=StringIO())
    modules = set(Publication.objects.values_list("module", flat=True))
    assert modules == set(InfoModule.values)
    assert Publication.objects.filter(version=2).exists() and Publication.objects.filter(status="retracted").exists()
    statuses = set(Report.objects.values_list("status", flat=True))
    assert statuses == {"unverified", "verified", "disputed", "rejected"}
    assert Report.objects.exclude(reply="").count() >= 2
    assert Report.objects.filter(subject__kind="institution").exists()  # firms report about banks too
    bank_consents = Consent.objects.filter(grantee__name="浙江永康农村商业银行")
    assert bank_consents.filter(revoked_at__isnull=True).count() >= 3 and bank_consents.filter(revoked_at__isnull=False)
    assert AccessLog.objects.filter(user__email="bank@demo.4a1c.cn").exists()
    assert Subscription.objects.filter(user__email="bank@demo.4a1c.cn").count() >= 2
    assert Alert.objects.filter(government__name="永康市人民政府金融工作办公室").exists()
    assert Notification.objects.filter(user__email="bank@demo.4a1c.cn").exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
