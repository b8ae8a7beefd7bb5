"""Second factor: required for finance-company, government and institution roles when
PLATFORM_REQUIRE_MFA is on (production); optional in the demo, which says so."""

from allauth.mfa.models import Authenticator
from django.urls import reverse


def test_staff_roles_are_sent_to_set_up_totp(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    for role, portal in (("finance", "clusterfinance:portal"), ("government", "government:portal"),
                         ("institution", "institutions:portal")):
        client.force_login(world.users[role])
        response = client.get(reverse(portal))
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), role


def test_firms_and_investors_are_not_forced(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    for role, portal in (("enterprise", "enterprises:portal"), ("investor", "investors:portal")):
        client.force_login(world.users[role])
        assert client.get(reverse(portal)).status_code == 200, role


def test_with_totp_set_up_the_portal_opens(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    Authenticator.objects.create(user=world.users["government"], type=Authenticator.Type.TOTP,
                                 data={"secret": "JBSWY3DPEHPK3PXP"})
    client.force_login(world.users["government"])
    assert client.get(reverse("government:portal")).status_code == 200


def test_demo_login_page_says_mfa_is_relaxed(client, settings):
    settings.PLATFORM_REQUIRE_MFA = False
    assert 'data-testid="mfa-relaxed"' in client.get(reverse("account_login")).content.decode()
    settings.PLATFORM_REQUIRE_MFA = True
    assert 'data-testid="mfa-relaxed"' not in client.get(reverse("account_login")).content.decode()


def _production(env_overrides):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "example.cn",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db", **env_overrides}
    env = {k: v for k, v in env.items() if v is not None}
    code = ("import platform4a1c.settings.production as p; "
            "print(p.PLATFORM_REQUIRE_MFA, p.DEBUG, p.SESSION_COOKIE_SECURE)")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)  # noqa: S603


def _production_value(name: str) -> str:
    """One setting as production computes it (in a fresh interpreter, with dummy secrets)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "example.cn",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}
    env.pop("PLATFORM_SEND_CSP", None)
    code = f"import platform4a1c.settings.production as p; print(p.{name})"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.strip()


def test_production_settings_require_mfa_by_default():
    result = _production({})
    assert result.stdout.split() == ["True", "False", "True"], result.stderr


def test_production_settings_have_no_default_secret():
    result = _production({"DJANGO_SECRET_KEY": None})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


# --- staff and superusers: the admin reaches every table -----------------------------------------
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def _staff(django_user_model, **flags):
    return django_user_model.objects.create_user(username="ops", email="ops@example.cn",
                                                 password="S3cure-pass-phrase", **flags)


def _with_mfa_session(client, user):
    """A session that passed the second factor, as allauth's login records it."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()


def test_a_superuser_without_any_membership_must_set_up_totp_before_the_admin(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    superuser = world.users["superuser"]  # no agent membership at all
    client.force_login(superuser)
    for url in ("/admin/", "/admin/agents/agent/", "/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), url


def test_a_staff_account_without_membership_must_set_up_totp(client, django_user_model, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    staff = _staff(django_user_model, is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_the_admin_needs_a_session_that_passed_the_second_factor(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    superuser = world.users["superuser"]
    Authenticator.objects.create(user=superuser, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    client.force_login(superuser)  # a password-only session
    response = client.get("/admin/agents/agent/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Fagents%2Fagent%2F"
    assert client.get(response["Location"]).status_code == 200  # the page that asks for the code
    _with_mfa_session(client, superuser)
    assert client.get("/admin/agents/agent/").status_code == 200


def test_the_admin_password_form_is_replaced_by_the_login_that_asks_for_the_code(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    response = client.get("/admin/login/?next=/admin/agents/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2Fagents%2F"
    # posting a password straight to the admin's form logs nobody in
    superuser = world.users["superuser"]
    superuser.set_password("S3cure-pass-phrase")
    superuser.save()
    client.post("/admin/login/", {"username": superuser.username, "password": "S3cure-pass-phrase"})
    assert "_auth_user_id" not in client.session


def test_a_superuser_login_with_totp_asks_for_the_code(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = True
    superuser = world.users["superuser"]
    superuser.set_password("S3cure-pass-phrase")
    superuser.save()
    Authenticator.objects.create(user=superuser, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    response = client.post(reverse("account_login") + "?next=/admin/",
                           {"login": superuser.email, "password": "S3cure-pass-phrase"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # not logged in yet


def test_without_the_setting_staff_are_not_stopped(client, world, settings):
    settings.PLATFORM_REQUIRE_MFA = False
    client.force_login(world.users["superuser"])
    assert client.get("/admin/").status_code == 200
