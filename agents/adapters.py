"""allauth adapter: no open sign-up (accounts come from invitations or the approved public
registration), and every login lands on the user's own portal."""

from allauth.account.adapter import DefaultAccountAdapter

from .selectors import portal_url_for


class PlatformAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def get_login_redirect_url(self, request) -> str:
        return portal_url_for(request.user)
