"""The core capability registry: apps declare who may do what; every layer asks the same
questions; maker-checker holds for a capability declared outside lending."""

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import RequestFactory
from django.views.generic import TemplateView

from agents.capabilities import (
    can,
    capabilities_of,
    capability_declare,
    four_eyes_check,
    require,
    role_capabilities,
)
from agents.choices import Role
from agents.portal import ActingMixin
from agents.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVE_RUN = capability_declare("test_approve_allocation_run", roles=(Role.FC_MANAGER,),
                                 message="Only a manager of the finance company may approve a run.")


def test_lending_fills_the_registry_from_its_ready():
    assert {"approve", "disburse", "review"} <= role_capabilities(Role.INST_MANAGER)
    assert "approve" not in role_capabilities(Role.INST_OFFICER)


def test_a_capability_declared_outside_lending_gates_and_checks_four_eyes(world):
    manager, analyst = world.users["finance"], world.users["finance_analyst"]
    assert can(manager, world.finance_company, APPROVE_RUN)
    assert APPROVE_RUN not in capabilities_of(analyst, world.finance_company)
    with pytest.raises(PermissionDenied, match="Only a manager"):
        require(analyst, world.finance_company, APPROVE_RUN)
    # the manager who prepared the run may not approve it; another person may
    with pytest.raises(PermissionDenied, match="maker-checker"):
        four_eyes_check(agent=world.finance_company, maker_id=manager.pk, checker=manager)
    four_eyes_check(agent=world.finance_company, maker_id=analyst.pk, checker=manager)


def test_an_individual_investor_decides_alone(world):
    investor = world.users["investor"]
    four_eyes_check(agent=world.investor, maker_id=investor.pk, checker=investor)


def test_superusers_hold_no_capability(world):
    assert capabilities_of(world.users["superuser"], world.finance_company) == set()


def test_redeclaring_with_other_roles_is_a_configuration_error():
    capability_declare(APPROVE_RUN, roles=(Role.FC_MANAGER,), message="same")  # idempotent
    with pytest.raises(ImproperlyConfigured):
        capability_declare(APPROVE_RUN, roles=(Role.FC_ANALYST,), message="other")


def test_an_undeclared_capability_is_a_bug_not_a_refusal(world):
    with pytest.raises(ImproperlyConfigured):
        can(world.users["finance"], world.finance_company, "no_such_capability")


class _Page(ActingMixin, TemplateView):
    template_name = "base.html"
    acting_kinds = ("finance_company",)
    capability = APPROVE_RUN


def test_the_one_acting_gate_answers_404_without_the_capability(world):
    from django.http import Http404

    request = RequestFactory().get("/x/")
    request.user = world.users["finance_analyst"]
    with pytest.raises(Http404):
        _Page.as_view()(request)
    request.user = world.users["finance"]
    response = _Page.as_view()(request)
    assert response.status_code == 200 and response.context_data["agent"] == world.finance_company
    # someone acting for another kind of agent is not let through either
    request.user = world.users["institution"]
    with pytest.raises(Http404):
        _Page.as_view()(request)
    outsider = UserFactory(email="outsider@example.cn")
    MembershipFactory(user=outsider, agent=world.firm, role=Role.ENTERPRISE_OWNER)
    request.user = outsider
    with pytest.raises(Http404):
        _Page.as_view()(request)
