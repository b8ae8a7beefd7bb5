"""Navigation of the base template: which portal the user belongs to."""

from django.conf import settings

from .selectors import PORTAL_URL_NAMES, primary_membership


def portal(request):
    membership = primary_membership(getattr(request, "user", None))
    return {
        "current_membership": membership,
        "current_agent": membership.agent if membership else None,
        "portal_url_name": PORTAL_URL_NAMES.get(membership.agent.kind) if membership else None,
        "mfa_required": settings.PLATFORM_REQUIRE_MFA,
    }
