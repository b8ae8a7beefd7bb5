"""The Content-Security-Policy: sent under production settings, scripts from our own origin only,
and no template relies on an inline script or an on…= handler that the policy would block."""

import re
from pathlib import Path

from django.conf import settings as django_settings

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def test_production_settings_send_the_policy():
    from agents.tests.test_mfa import _production_value

    assert _production_value("PLATFORM_SEND_CSP") == "True"
    assert "agents.middleware.ContentSecurityPolicyMiddleware" in _production_value("MIDDLEWARE")


def test_pages_carry_the_header_when_it_is_on(client, settings, world):
    settings.PLATFORM_SEND_CSP = True
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    client.force_login(world.users["government"])
    assert "Content-Security-Policy" in client.get("/gov/")
    settings.PLATFORM_SEND_CSP = False
    assert "Content-Security-Policy" not in client.get("/")


def test_no_template_has_an_inline_script_or_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
