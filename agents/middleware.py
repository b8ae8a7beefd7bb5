"""Second factor for the roles that move or oversee money (DESIGN.md §5)."""

from django.conf import settings
from django.shortcuts import redirect

from .choices import MFA_KINDS
from .restrict import viewer_for

_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/media/", "/admin/logout")


class MfaRequiredMiddleware:
    """When ``PLATFORM_REQUIRE_MFA`` is on (production), staff of the finance company, the
    government and institutions are sent to set up TOTP before they can open anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PLATFORM_REQUIRE_MFA and self._needs_mfa(request):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_mfa(request) -> bool:
        user = request.user
        if not user.is_authenticated or request.path.startswith(_EXEMPT_PREFIXES):
            return False
        if not (viewer_for(user).kinds & {str(k) for k in MFA_KINDS}):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
