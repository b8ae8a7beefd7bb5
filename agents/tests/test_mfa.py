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


def test_production_settings_require_mfa_by_default():
    result = _production({})
    assert result.stdout.split() == ["True", "False", "True"], result.stderr


def test_production_settings_have_no_default_secret():
    result = _production({"DJANGO_SECRET_KEY": None})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
