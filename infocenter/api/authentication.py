"""``Authorization: Token p4a_…`` (or ``Bearer``): the request acts for the token's agent only,
with the rights the token's creator has in that agent — never as a superuser, never for the
creator's other agents. A token stops working when it is revoked or its creator leaves."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from agents.models import Membership
from agents.restrict import Viewer, region_prefix

from ..models.api import ApiToken, hash_token

KEYWORDS = (b"token", b"bearer")


def scoped_viewer(user, membership: Membership) -> Viewer:
    agent = membership.agent
    return Viewer(
        user=user, agent_ids=frozenset({agent.pk}), kinds=frozenset({agent.kind}), roles=frozenset({membership.role}),
        region_prefixes=frozenset({region_prefix(agent.region_code)}) if agent.kind == "government" else frozenset(),
        agents_by_kind={agent.kind: frozenset({agent.pk})},
    )


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The token is not valid."))
        token = (ApiToken.objects.select_related("agent", "created_by")
                 .filter(key_hash=hash_token(key), revoked_at__isnull=True).first())
        if token is None:
            raise AuthenticationFailed(_("The token is not valid or was revoked."))
        membership = (Membership.objects.select_related("agent")
                      .filter(user=token.created_by, agent=token.agent, is_active=True, agent__status="active")
                      .first())
        if membership is None or not token.created_by.is_active:
            raise AuthenticationFailed(_("The person who created this token no longer acts for the agent; ask a "
                                         "manager for a new token."))
        user = token.created_by
        # The token acts for its agent only: no superuser shortcut in restrict(), no other agents.
        user.is_superuser = False
        user.is_staff = False
        user._platform_viewer = scoped_viewer(user, membership)
        user.api_token = token
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the token appears in the OpenAPI schema (drf-spectacular)."""

    target_class = "infocenter.api.authentication.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "“Token p4a_…” — create one on /hub/api-tokens/ (agent managers)."}
