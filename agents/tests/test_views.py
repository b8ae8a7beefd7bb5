"""Registration, invitation and approval pages as a user meets them."""

from django.urls import reverse

from agents.choices import AgentStatus
from agents.models import Agent, Invitation
from agents.validators import make_uscc


def test_registration_with_a_wrong_credit_code_shows_the_reason_and_creates_nothing(client, world):
    before = Agent.objects.count()
    response = client.post(reverse("register"), {
        "kind": "enterprise", "name": "错误代码公司", "region_code": "330784", "region": "永康市",
        "credit_code": "91350100M000100Y44", "email": "wrong@example.cn", "password1": "Str0ng-pass-2026",
        "password2": "Str0ng-pass-2026",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "The check character of 91350100M000100Y44 is wrong (expected 3)" in response.content.decode()
    assert Agent.objects.count() == before


def test_registration_error_is_translated_to_chinese(client, world):
    response = client.post(reverse("register"), {"kind": "enterprise", "credit_code": "123"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "统一社会信用代码为 18 位" in response.content.decode()


def test_registration_then_approval_then_portal(client, world):
    response = client.post(reverse("register"), {
        "kind": "enterprise", "name": "新五金有限公司", "region_code": "330784", "region": "永康市",
        "credit_code": make_uscc(division="330784", serial=4242), "email": "boss@example.cn",
        "password1": "Str0ng-pass-2026", "password2": "Str0ng-pass-2026", "cluster": world.cluster.pk,
    })
    assert response.status_code == 302 and response["Location"] == reverse("registration-pending")
    assert client.get(reverse("portal-home"))["Location"] == reverse("registration-pending")
    assert client.get(reverse("enterprises:portal")).status_code == 404  # not yet approved
    agent = Agent.objects.get(name="新五金有限公司")

    finance = client.__class__()
    finance.force_login(world.users["finance_analyst"])
    assert "新五金有限公司" in finance.get(reverse("approvals")).content.decode()
    finance.post(reverse("approval-decide", args=[agent.pk]), {"decision": "approve"})
    agent.refresh_from_db()
    assert agent.status == AgentStatus.ACTIVE
    response = client.get(reverse("enterprises:portal"))
    assert response.status_code == 200 and "新五金有限公司" in response.content.decode()


def test_team_page_invites_and_link_opens_an_account(client, world):
    client.force_login(world.users["enterprise"])
    response = client.post(reverse("team"), {"email": "cfo@example.cn", "role": "enterprise_finance"}, follow=True)
    invitation = Invitation.objects.get(email="cfo@example.cn")
    assert f"/invite/{invitation.token}/" in response.content.decode()
    client.logout()
    response = client.post(reverse("invitation-accept", args=[invitation.token]),
                           {"password1": "Str0ng-pass-2026", "password2": "Str0ng-pass-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:portal")
    assert world.firm.name in client.get(reverse("enterprises:portal")).content.decode()


def test_officer_sees_no_invite_form(client, world):
    client.force_login(world.users["institution_officer"])
    response = client.post(reverse("team"), {"email": "x@example.cn", "role": "inst_officer"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert not Invitation.objects.exists()
    page = response.content.decode()
    assert "Only a manager of your organisation can invite colleagues." in page
    assert 'name="email"' not in page


def test_login_lands_on_the_role_portal(client, world):
    from agents.tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": "government@example.cn", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("government:portal")
