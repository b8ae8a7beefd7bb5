"""Permission matrix rows for the registry, accounts, portals and the admin."""

from agents.choices import AgentStatus

from . import Case, members, only, public, statuses


def _invitation(world):
    from agents.tests.factories import InvitationFactory

    return {"token": InvitationFactory(agent=world.firm, invited_by=world.users["enterprise"]).token}


def _pending_agent(world):
    from agents.tests.factories import AgentFactory

    return {"pk": AgentFactory(status=AgentStatus.PENDING).pk}


# Pages that logged-in users are sent away from (allauth redirects them to their portal).
_ANON_ONLY = statuses(302, anonymous=200)

EXPECTED = {
    "landing": Case(public()),
    "healthz": Case(public()),
    "portal-home": Case(statuses(302)),  # everyone is redirected: to log in, or to their portal
    "register": Case(public()),
    "registration-pending": Case(members()),
    "team": Case(members(superuser=404)),
    "invitation-accept": Case(public(), kwargs=_invitation),
    "approvals": Case(only("finance", "superuser")),
    # POST-only: GET is refused for those who may see it, 404 for the others
    "approval-decide": Case(only("finance", "superuser", ok=405), kwargs=_pending_agent),
    "set_language": Case(statuses(302)),  # GET redirects back (the form POSTs)
    # --- allauth ---------------------------------------------------------------------------
    "account_login": Case(_ANON_ONLY),
    "account_logout": Case(statuses(200, anonymous=302)),
    "account_inactive": Case(public()),
    "account_signup": Case(statuses(302, anonymous=200), note="closed: shows 'sign-up closed'"),
    "account_reauthenticate": Case(members()),
    "account_request_reauthentication_code": Case(statuses(302)),
    "account_confirm_reauthentication_code": Case(statuses(302)),
    "account_email": Case(members()),
    "account_email_verification_sent": Case(public()),
    "account_change_password": Case(members()),
    "account_set_password": Case(members(302)),  # users with a password go to change it
    "account_reset_password": Case(public()),
    "account_confirm_login_code": Case(statuses(302)),
    "account_confirm_email": Case(public(), kwargs=lambda w: {"key": "not-a-key"}),
    "account_reset_password_from_key_done": Case(public()),
    "account_reset_password_from_key": Case(public(), kwargs=lambda w: {"uidb36": "0", "key": "bad-key"}),
    "account_reset_password_done": Case(public()),
    "mfa_index": Case(members()),
    "mfa_authenticate": Case(statuses(302)),
    "mfa_reauthenticate": Case(statuses(302)),
    "mfa_activate_totp": Case(statuses(302)),  # asks to re-authenticate first
    "mfa_deactivate_totp": Case(members(404)),  # nobody has TOTP set up in the matrix world
    "mfa_view_recovery_codes": Case(members(404)),
    "mfa_generate_recovery_codes": Case(members(302)),
    "mfa_download_recovery_codes": Case(members(404)),
    # --- portals: only the agent's own kind; others 404 -------------------------------------
    "enterprises:portal": Case(only("enterprise")),
    "clusterfinance:portal": Case(only("finance")),
    # the scorecard trainer: a result lives in its trainer's session, so an unknown token is 404 to all
    "clusterfinance:rating-training": Case(only("finance")),
    "clusterfinance:rating-training-result": Case(only("finance", ok=404), kwargs=lambda w: {"token": "none"}),
    "clusterfinance:rating-training-promote": Case(only("finance", ok=405), kwargs=lambda w: {"token": "none"}),
    "clusterfinance:rating-training-discard": Case(only("finance", ok=405), kwargs=lambda w: {"token": "none"}),
    "government:portal": Case(only("government")),
    "institutions:portal": Case(only("institution")),
    "investors:portal": Case(only("investor")),
}


def admin_case(name: str, has_args: bool) -> Case:
    """The admin: non-staff are redirected to the admin login; the superuser sees the pages.
    Parametrised admin URLs are called with an id that does not exist."""
    if not has_args:
        expect = statuses(302, superuser=200)
        if name == "admin:logout":
            expect = statuses(302, superuser=405)
        if name == "admin:login":
            expect = statuses(200, superuser=302)
        if name in ADMIN_STATUS:
            expect = statuses(302, superuser=ADMIN_STATUS[name])
        return Case(expect)
    return Case(statuses(302, superuser=ADMIN_STATUS.get(name, 302)))


# Parametrised admin URLs whose answer to a missing object is not the usual redirect.
ADMIN_STATUS = {
    "admin:app_list": 200,
    "admin:view_on_site": 404,
    "admin:auth_user_password_change": 404,
    "admin:autocomplete": 403,  # without its query parameters
    # django-guardian's object-permission pages answer 404 for a missing object
    "admin:agents_agent_permissions": 404,
    "admin:agents_agent_permissions_manage_group": 404,
    "admin:agents_agent_permissions_manage_user": 404,
}
