"""Second factor for the roles that move or oversee money (DESIGN.md §5), and for every staff
and superuser account (the Django admin reaches every table)."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .choices import MFA_KINDS
from .restrict import viewer_for

_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/media/", "/admin/logout")
_ADMIN_PREFIX = "/admin/"
_ADMIN_LOGIN = "/admin/login/"


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _session_used_mfa(request) -> bool:
    """Whether this session passed the second factor (allauth records each step of a login)."""
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class MfaRequiredMiddleware:
    """When ``PLATFORM_REQUIRE_MFA`` is on (production):

    - staff of the finance company, the government and institutions, and every staff or
      superuser account (with or without an agent membership), are sent to set up TOTP before
      they can open anything else;
    - the admin's own password-only login form is replaced by the platform's login, which asks
      for the code;
    - the admin opens only in a session that passed the second factor (else the code is asked
      again), so a session opened some other way does not reach every table with a password.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PLATFORM_REQUIRE_MFA:
            redirect_to = self._redirect(request)
            if redirect_to:
                return redirect(redirect_to)
        return self.get_response(request)

    @classmethod
    def _redirect(cls, request) -> str | None:
        user, path = request.user, request.path
        if path.startswith(_ADMIN_LOGIN):
            return _with_next("account_login", request.GET.get("next") or _ADMIN_PREFIX)
        if not user.is_authenticated or path.startswith(_EXEMPT_PREFIXES):
            return None
        if not cls._needs_mfa(user):
            return None
        if not _has_totp(user):
            return reverse("mfa_activate_totp")
        if path.startswith(_ADMIN_PREFIX) and not _session_used_mfa(request):
            return _with_next("mfa_reauthenticate", request.get_full_path())
        return None

    @staticmethod
    def _needs_mfa(user) -> bool:
        if user.is_staff or user.is_superuser:
            return True
        return bool(viewer_for(user).kinds & {str(k) for k in MFA_KINDS})


def content_security_policy(directives: dict[str, list[str] | tuple[str, ...]]) -> str:
    """``{"default-src": ["'self'"], …}`` → ``default-src 'self'; …`` (the header's value)."""
    return "; ".join(" ".join([name, *values]) if values else name for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    """When ``PLATFORM_SEND_CSP`` is on (production), sends ``Content-Security-Policy`` built from
    ``PLATFORM_CONTENT_SECURITY_POLICY``: scripts, styles, fonts and images from our own origin
    only (htmx, ECharts and Bootstrap are served from ``static/vendor/``), no inline script or
    handler, no framing. A response that already carries the header keeps its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "PLATFORM_SEND_CSP", False) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(settings.PLATFORM_CONTENT_SECURITY_POLICY)
        return response


class AuditContextMiddleware:
    """Tells the audit log who acts and from where for the duration of each request
    (``agents.audit``): the authenticated user and the client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .audit import audit_context_reset, audit_context_set

        token = audit_context_set(user=getattr(request, "user", None), ip=request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            audit_context_reset(token)
