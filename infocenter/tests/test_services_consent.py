"""Consent: granting, revoking, expiry (the date check hides data at once; the beat task then
takes back the permission), and the access log the firm reads ("who looked at my data")."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import get_perms

from infocenter.models import AccessLog, Consent, Event, Publication
from infocenter.services import consent_grant, consent_revoke, consents_expire, publication_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def confidential(world):
    return publication_create(subject=world.firm, author=world.users["enterprise"], category="orders_capacity",
                              title="在手订单 3,200 万元", body="主要客户：…", visibility="consent")


def _grant(world, **kwargs):
    defaults = {"grantor": world.firm, "grantee": world.bank, "granted_by": world.users["enterprise"],
                "valid_until": timezone.localdate() + timedelta(days=90), "purpose": "流动资金贷款审查"}
    return consent_grant(**(defaults | kwargs))


def _reads(user, pub) -> bool:
    user = type(user).objects.get(pk=user.pk)  # a fresh request
    return Publication.objects.restrict(user).filter(pk=pub.pk).exists()


def test_granting_gives_the_grantee_group_the_permission_and_the_data(world, confidential):
    officer = world.users["institution_officer"]
    assert not _reads(officer, confidential)
    consent = _grant(world)
    assert "use_consent" in get_perms(world.bank.group, consent)
    assert _reads(officer, confidential) and _reads(world.users["institution"], confidential)
    assert not _reads(world.users["investor"], confidential)
    assert Event.objects.filter(kind="consent.granted", payload__consent_id=consent.pk).exists()


def test_chosen_categories_open_only_those(world, confidential):
    _grant(world, categories=["financial_statements", "tax_paid"])
    assert not _reads(world.users["institution_officer"], confidential)
    statement = publication_create(subject=world.firm, author=world.users["enterprise"],
                                   category="financial_statements", title="年报", visibility="consent")
    assert _reads(world.users["institution_officer"], statement)


def test_revoking_hides_the_data_at_once(world, confidential):
    consent = _grant(world)
    consent_revoke(consent=consent, revoked_by=world.users["enterprise"])
    consent.refresh_from_db()
    assert consent.current_state == "revoked" and consent.permission_removed_at
    assert "use_consent" not in get_perms(world.bank.group, consent)
    assert not _reads(world.users["institution_officer"], confidential)
    with pytest.raises(ValidationError):
        consent_revoke(consent=consent, revoked_by=world.users["enterprise"])


def test_only_the_grantor_revokes(world):
    consent = _grant(world)
    with pytest.raises(PermissionDenied):
        consent_revoke(consent=consent, revoked_by=world.users["institution"])


def test_expiry_hides_the_data_before_the_beat_task_runs_and_the_task_tidies_up(world, confidential):
    consent = _grant(world)
    today = timezone.localdate()
    # The last day passes: the consent ran until yesterday.
    Consent.objects.filter(pk=consent.pk).update(valid_from=today - timedelta(days=91),
                                                 valid_until=today - timedelta(days=1))
    assert not _reads(world.users["institution_officer"], confidential)
    assert "use_consent" in get_perms(world.bank.group, consent)  # not yet tidied
    assert consents_expire() == 1
    consent.refresh_from_db()
    assert consent.current_state == "expired" and consent.permission_removed_at
    assert "use_consent" not in get_perms(world.bank.group, consent)
    assert Event.objects.filter(kind="consent.expired").count() == 1
    assert consents_expire() == 0  # idempotent


def test_a_consent_that_has_not_started_opens_nothing_yet(world, confidential):
    _grant(world, valid_from=timezone.localdate() + timedelta(days=3))
    assert not _reads(world.users["institution_officer"], confidential)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("grantee", {"grantee_kind": "government"}),
    ("valid_until", {"valid_until_days": -1}),
    ("valid_from", {"valid_from_days": -1}),
    ("valid_until", {"valid_until_days": 3 * 366 + 5}),
])
def test_bad_consents_are_refused_with_a_reason(world, field, kwargs):
    today = timezone.localdate()
    args = {}
    if "grantee_kind" in kwargs:
        args["grantee"] = world.gov
    if "valid_until_days" in kwargs:
        args["valid_until"] = today + timedelta(days=kwargs["valid_until_days"])
    if "valid_from_days" in kwargs:
        args["valid_from"] = today + timedelta(days=kwargs["valid_from_days"])
    with pytest.raises(ValidationError) as exc:
        _grant(world, **args)
    assert field in exc.value.message_dict
    assert not Consent.objects.exists()


def test_only_firms_grant_and_only_their_people(world):
    with pytest.raises(PermissionDenied):
        _grant(world, granted_by=world.users["institution"])
    with pytest.raises(ValidationError):
        consent_grant(grantor=world.bank, grantee=world.investor, granted_by=world.users["institution"],
                      valid_until=timezone.localdate() + timedelta(days=5))


# --- the access log ---------------------------------------------------------------------------
def test_every_reading_of_confidential_data_is_logged_and_shown_to_the_firm(world, confidential, client_for):
    consent = _grant(world)
    public = publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                                title="ISO 9001", visibility="public")
    bank = client_for("institution")
    assert bank.get(f"/hub/p/{confidential.pk}/").status_code == 200
    assert bank.get(f"/hub/p/{public.pk}/").status_code == 200  # public: not logged
    assert bank.get(f"/hub/agents/{world.firm.pk}/").status_code == 200  # the dossier shows it too
    rows = list(AccessLog.objects.order_by("pk"))
    assert len(rows) == 2
    assert {r.publication_id for r in rows} == {confidential.pk}
    assert all(r.basis == "consent" and r.consent_id == consent.pk and r.viewer_agent_id == world.bank.pk
               and r.user == world.users["institution"] for r in rows)
    # The firm's own readings are not logged; the firm sees who looked.
    firm = client_for("enterprise")
    firm.get(f"/hub/p/{confidential.pk}/")
    assert AccessLog.objects.count() == 2
    page = firm.get("/hub/access-log/").content.decode()
    assert page.count('data-testid="access"') == 2 and world.bank.name in page and "在手订单" in page


def test_supervision_readings_are_logged_with_their_basis(world, confidential, client_for):
    gov_only = publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                                  title="纳税明细", visibility="government")
    client_for("government").get(f"/hub/p/{gov_only.pk}/")
    client_for("finance").get(f"/hub/p/{confidential.pk}/")
    client_for("superuser").get(f"/hub/p/{confidential.pk}/")
    bases = dict(AccessLog.objects.values_list("user__email", "basis"))
    assert bases == {"government@example.cn": "government", "finance@example.cn": "finance_company",
                     "root@example.cn": "admin"}


def test_other_agents_cannot_read_a_firms_access_log(world, confidential, client_for):
    _grant(world)
    client_for("institution").get(f"/hub/p/{confidential.pk}/")
    assert AccessLog.objects.count() == 1
    for role in ("institution", "finance", "government", "investor"):
        page = client_for(role).get("/hub/access-log/").content.decode()
        assert 'data-testid="access"' not in page, role
    assert AccessLog.objects.restrict(world.users["institution"]).count() == 0
