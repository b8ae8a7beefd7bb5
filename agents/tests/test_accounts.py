"""Password reset by e-mail, logout, and the closed generic sign-up."""

from django.core import mail
from django.urls import reverse


def test_password_reset_sends_a_working_link(client, world):
    response = client.post(reverse("account_reset_password"), {"email": "investor@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["investor@example.cn"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/"):].strip()
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(form_url, {"password1": "N3w-Pass-word-2026", "password2": "N3w-Pass-word-2026"})
    assert response.status_code == 302
    assert client.login(username="investor@example.cn", password="N3w-Pass-word-2026")


def test_generic_signup_is_closed(client, db):
    response = client.post(reverse("account_signup"), {"email": "x@example.cn", "password1": "Str0ng-pass-2026",
                                                       "password2": "Str0ng-pass-2026"})
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="x@example.cn").exists()
    assert response.status_code == 200


def test_logout_returns_to_the_landing_page(client_for, world):
    client = client_for("enterprise")
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and response["Location"] == reverse("landing")
    assert client.get(reverse("enterprises:portal")).status_code == 302
