"""Writes of API tokens: only an agent's managers create and revoke them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.choices import ADMIN_ROLES, Role
from agents.models import Agent, Membership

from ..models.api import ApiToken, hash_token, new_token_key

# An agent's managers; a private investor is the only member of its own agent.
TOKEN_MANAGER_ROLES = (*ADMIN_ROLES, Role.INVESTOR)


def is_manager(user, agent: Agent) -> bool:
    return Membership.objects.filter(user=user, agent=agent, is_active=True, role__in=TOKEN_MANAGER_ROLES,
                                     agent__status="active").exists()


@transaction.atomic
def api_token_create(*, user, agent: Agent, name: str) -> tuple[ApiToken, str]:
    """A new token; the key is returned once and only its hash is stored."""
    if not is_manager(user, agent):
        raise PermissionDenied(_("Only the agent's managers create API tokens."))
    key = new_token_key()
    token = ApiToken(agent=agent, created_by=user, name=name.strip(), key_prefix=key[:12], key_hash=hash_token(key))
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken) -> ApiToken:
    if not is_manager(user, token.agent):
        raise PermissionDenied(_("Only the agent's managers revoke API tokens."))
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), user
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token
