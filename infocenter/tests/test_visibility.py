"""Who reads a publication: every role × every visibility × every state of consent.

The rule (models/publications.py): the subject always; anonymous only public; members public
and "platform members"; "given kinds" the listed kinds; "government only" the government of
the subject's region; "consent" whoever holds a consent in force covering the category. Above
that, the government of the region reads everything (supervision) and the finance company of
the subject's cluster everything except "government only"."""

from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import remove_perm

from agents.services import membership_deactivate
from infocenter.models import Consent, Publication
from infocenter.services import consent_grant, consent_revoke, publication_create
from infocenter.tests.factories import other_cluster, other_region_government, user_of

pytestmark = pytest.mark.django_db

VARIANTS = {
    # name: (visibility, audience kinds)
    "public": ("public", ()),
    "members": ("members", ()),
    "kinds:institution": ("kinds", ("institution",)),
    "kinds:investor+enterprise": ("kinds", ("investor", "enterprise")),
    "government": ("government", ()),
    "consent": ("consent", ()),
}
VIEWER_KIND = {
    "subject": "enterprise", "other_firm": "enterprise", "finance": "finance_company",
    "other_fc": "finance_company", "government": "government", "other_gov": "government",
    "bank": "institution", "investor": "investor",
}
CONSENT_STATES = ("none", "all", "category", "other_category", "expired", "revoked", "future", "investor_all")


def expected(viewer: str, variant: str, consent: str) -> bool:
    visibility, kinds = VARIANTS[variant]
    if viewer in ("subject", "superuser"):
        return True
    if viewer == "anonymous":
        return visibility == "public"
    if visibility in ("public", "members"):
        return True
    if viewer == "government":  # the subject's region: supervision
        return True
    if viewer == "finance":  # the subject's cluster
        return visibility != "government"
    if visibility == "kinds":
        return VIEWER_KIND[viewer] in kinds
    if visibility == "consent":
        return (viewer == "bank" and consent in ("all", "category")) or (viewer == "investor" and consent == "investor_all")
    return False


@pytest.fixture
def viewers(world):
    fc2, _firm2 = other_cluster()
    gov2 = other_region_government()
    return {
        "anonymous": None,
        "subject": world.users["enterprise"],
        "other_firm": user_of(world.other_firm),
        "finance": world.users["finance_analyst"],
        "other_fc": user_of(fc2),
        "government": world.users["government"],
        "other_gov": user_of(gov2),
        "bank": world.users["institution_officer"],
        "investor": world.users["investor"],
        "superuser": world.users["superuser"],
    }


def _publish_all(world):
    pubs = {}
    for name, (visibility, kinds) in VARIANTS.items():
        pubs[name] = publication_create(subject=world.firm, author=world.users["enterprise"],
                                        category="financial_statements", title=f"报表 {name}",
                                        visibility=visibility, audience_kinds=kinds)
    return pubs


def _set_consent(world, state: str) -> None:
    today = timezone.localdate()
    owner = world.users["enterprise"]
    if state == "none":
        return
    if state == "investor_all":
        consent_grant(grantor=world.firm, grantee=world.investor, granted_by=owner, valid_until=today + timedelta(days=30))
        return
    kwargs = {"grantor": world.firm, "grantee": world.bank, "granted_by": owner,
              "valid_until": today + timedelta(days=30)}
    if state == "category":
        kwargs["categories"] = ["financial_statements"]
    elif state == "other_category":
        kwargs["categories"] = ["tax_paid"]
    elif state == "future":
        kwargs["valid_from"] = today + timedelta(days=5)
    consent = consent_grant(**kwargs)
    if state == "expired":
        # Time passes: the consent's last day was yesterday; the beat task has not run yet.
        Consent.objects.filter(pk=consent.pk).update(valid_from=today - timedelta(days=30),
                                                     valid_until=today - timedelta(days=1))
    elif state == "revoked":
        consent_revoke(consent=consent, revoked_by=owner)


def _visible(user, pubs) -> set[str]:
    ids = set(Publication.objects.restrict(user, "view").filter(pk__in=[p.pk for p in pubs.values()])
              .values_list("pk", flat=True))
    return {name for name, p in pubs.items() if p.pk in ids}


@pytest.mark.parametrize("consent", CONSENT_STATES)
def test_every_role_reads_exactly_what_the_visibility_and_consent_allow(world, viewers, consent):
    pubs = _publish_all(world)
    _set_consent(world, consent)
    wrong = []
    for viewer, user in viewers.items():
        want = {name for name in VARIANTS if expected(viewer, name, consent)}
        got = _visible(user, pubs)
        if got != want:
            wrong.append(f"{viewer}: expected {sorted(want)}, got {sorted(got)}")
    assert not wrong, f"consent={consent}\n" + "\n".join(wrong)


def test_a_retracted_item_keeps_its_readers_and_a_draft_has_none_but_its_subject(world, viewers):
    from infocenter.services import publication_retract

    retracted = publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                                   title="2025 纳税", visibility="members")
    publication_retract(publication=retracted, author=world.users["enterprise"], reason="数字有误")
    draft = publication_create(subject=world.firm, author=world.users["enterprise"], category="tax_paid",
                               title="草稿", visibility="public", publish=False)
    for viewer, user in viewers.items():
        readable = set(Publication.objects.restrict(user, "view").values_list("pk", flat=True))
        assert (retracted.pk in readable) == (viewer != "anonymous"), viewer
        assert (draft.pk in readable) == (viewer in ("subject", "superuser")), viewer


def test_consent_is_held_through_the_guardian_permission(world):
    """The consent row alone opens nothing: the grantee group's object permission does."""
    pub = publication_create(subject=world.firm, author=world.users["enterprise"], category="orders_capacity",
                             title="在手订单", visibility="consent")
    consent = consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                            valid_until=timezone.localdate() + timedelta(days=10))
    officer = world.users["institution_officer"]
    assert Publication.objects.restrict(officer).filter(pk=pub.pk).exists()
    remove_perm("infocenter.use_consent", world.bank.group, consent)
    officer = type(officer).objects.get(pk=officer.pk)  # a new request
    assert not Publication.objects.restrict(officer).filter(pk=pub.pk).exists()


def test_a_person_who_leaves_the_grantee_loses_the_access_at_once(world):
    pub = publication_create(subject=world.firm, author=world.users["enterprise"], category="orders_capacity",
                             title="在手订单", visibility="consent")
    consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                  valid_until=timezone.localdate() + timedelta(days=10))
    officer = world.users["institution_officer"]
    membership = officer.memberships.get(agent=world.bank)
    membership_deactivate(membership=membership)
    officer = type(officer).objects.get(pk=officer.pk)
    assert not Publication.objects.restrict(officer).filter(pk=pub.pk).exists()


def test_pages_answer_404_for_what_the_viewer_may_not_read(world, client_for):
    pub = publication_create(subject=world.firm, author=world.users["enterprise"], category="certifications",
                             title="ISO 9001", visibility="government")
    url = f"/hub/p/{pub.pk}/"
    assert client_for("government").get(url).status_code == 200
    assert client_for("enterprise").get(url).status_code == 200
    for role in ("anonymous", "finance", "institution", "investor"):
        assert client_for(role).get(url).status_code == 404, role
