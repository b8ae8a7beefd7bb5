"""Pages of the joint-liability groups (/finance/schemes/groups/): the finance company's list of
its groups; its group policy (seen by its staff, changed by a manager, with the history of the
changes); a firm's groups and invitations (found a group there); one group's page, seen by
its finance company and its firms — members, their repayment status, the calls — where the
firms invite, answer, form the group, apply, pay their calls and agree to dissolve it, and the
finance company's manager dissolves it. Anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.models import Agent, cluster_members_q
from agents.portal import ActingMixin

from . import selectors, services, services_dissolution, services_policy
from .forms import AnswerForm, ApplyForm, DissolveForm, GroupCreateForm, InviteForm, PolicyForm
from .models import CallStatus, GroupStatus, JointLiabilityCall, LoanGroup, MemberStatus
from .permissions import ACT_FOR_GROUP, DISSOLVE_GROUP, SET_GROUP_POLICY


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


class GroupListView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/groups/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(groups=list(selectors.groups_of_finance_company(self.agent)),
                   policy=services.policy_for(self.agent))
        return ctx


class PolicyView(ActingMixin, TemplateView):
    """The group policy: every staff member of the finance company reads it and its history;
    a manager changes it."""

    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/groups/policy.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        policy = services.policy_for(self.agent)
        may_set = SET_GROUP_POLICY in self.caps
        form = kwargs.get("form")
        if form is None and may_set:
            form = PolicyForm(products=selectors.policy_products(self.agent), initial={
                "min_members": policy.min_members, "max_members": policy.max_members,
                "call_days": policy.call_days, "product": policy.product_id or ""})
        ctx.update(policy=policy, form=form, may_set=may_set, history=selectors.policy_history(self.agent, user=self.request.user))
        return ctx

    def post(self, request, *args, **kwargs):
        if SET_GROUP_POLICY not in self.caps:
            raise Http404
        form = PolicyForm(request.POST, products=selectors.policy_products(self.agent))
        if form.is_valid():
            try:
                policy, changed = services_policy.policy_update(user=request.user, finance_company=self.agent,
                                                                **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                if not changed:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(request, _("The group loan policy is saved."))
                    outside = selectors.formed_groups_outside(self.agent, min_members=policy.min_members,
                                                              max_members=policy.max_members)
                    if outside:
                        messages.info(request, _("%(n)s formed group(s) are outside the new size limits; they keep "
                                                 "their members and keep working.") % {"n": outside})
                return redirect("clusterfinance:group-policy")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MyGroupsView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.ENTERPRISE,)
    template_name = "clusterfinance/schemes/groups/mine.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(memberships=list(selectors.memberships_of(self.agent)),
                   form=kwargs.get("form") or GroupCreateForm(), may_act=ACT_FOR_GROUP in self.caps)
        return ctx

    def post(self, request, *args, **kwargs):
        form = GroupCreateForm(request.POST)
        if form.is_valid():
            try:
                group = services.group_create(user=request.user, firm=self.agent, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("The group is founded; invite the other members."))
                return redirect("clusterfinance:group-detail", pk=group.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GroupDetailView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.ENTERPRISE)
    template_name = "clusterfinance/schemes/groups/detail.html"

    def get_group(self) -> LoanGroup:
        group = get_object_or_404(LoanGroup.objects.select_related("finance_company", "founder"), pk=self.kwargs["pk"])
        if not selectors.group_may_see(group, self.agent):
            raise Http404
        return group

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        group = self.get_group()
        page = selectors.group_page(group)
        mine = next((r["member"] for r in page["members"] if r["member"].firm_id == self.agent.pk), None)
        is_firm = self.agent.kind == AgentKind.ENTERPRISE and ACT_FOR_GROUP in self.caps
        ctx.update(group=group, page=page, mine=mine, is_firm=is_firm, GroupStatus=GroupStatus,
                   policy=services.policy_for(group.finance_company))
        if group.status != GroupStatus.DISSOLVED:
            accepted = [r["member"] for r in page["members"] if r["member"].status == MemberStatus.ACCEPTED]
            ctx["dissolution"] = {
                "blockers": selectors.dissolution_blockers(group),
                "agreed": [m for m in accepted if m.dissolve_agreed_at],
                "waiting": [m for m in accepted if not m.dissolve_agreed_at],
                "may_agree": is_firm and mine is not None and mine.status == MemberStatus.ACCEPTED,
                "may_dissolve": self.agent.pk == group.finance_company_id and DISSOLVE_GROUP in self.caps,
            }
            if ctx["dissolution"]["may_dissolve"]:
                ctx["dissolve_form"] = kwargs.get("dissolve_form") or DissolveForm()
        if is_firm and mine is not None and mine.status == MemberStatus.ACCEPTED \
                and group.status == GroupStatus.FORMING:
            taken = [r["member"].firm_id for r in page["members"]]
            firms = Agent.objects.filter(cluster_members_q(finance_company=group.finance_company_id,
                                                           kind=AgentKind.ENTERPRISE)).exclude(pk__in=taken) \
                .order_by("name")
            ctx["invite_form"] = InviteForm(firms=firms)
        if is_firm and mine is not None and mine.status == MemberStatus.INVITED and group.status == GroupStatus.FORMING:
            ctx["answer_form"] = AnswerForm()
        if is_firm and mine is not None and mine.status == MemberStatus.ACCEPTED and group.status == GroupStatus.ACTIVE:
            ctx["apply_form"] = kwargs.get("apply_form") or ApplyForm()
        ctx["my_open_calls"] = [c for c in page["calls"] if c.payer_id == self.agent.pk and c.status == CallStatus.OPEN]
        return ctx

    def post(self, request, *args, **kwargs):
        group = self.get_group()
        action = request.POST.get("action", "")
        if self.agent.kind == AgentKind.FINANCE_COMPANY:
            return self.post_finance_company(request, group, action)
        try:
            if action in ("agree_dissolve", "withdraw_dissolve"):
                group = services_dissolution.dissolution_agree(user=request.user, group=group, firm=self.agent,
                                                               agree=action == "agree_dissolve")
                messages.success(request, _("The group is dissolved; its members are free to join another group.")
                                 if group.status == GroupStatus.DISSOLVED else _("Your answer is recorded."))
            elif action == "invite":
                form = InviteForm(request.POST, firms=Agent.objects.filter(kind=AgentKind.ENTERPRISE))
                if not form.is_valid():
                    raise ValidationError(_("Choose a member firm to invite."))
                services.member_invite(user=request.user, group=group, inviter=self.agent,
                                       invitee=form.cleaned_data["invitee"])
                messages.success(request, _("The firm is invited."))
            elif action in ("accept", "decline"):
                services.member_answer(user=request.user, group=group, firm=self.agent, accept=action == "accept",
                                       controller=request.POST.get("controller", ""),
                                       controller_id_code=request.POST.get("controller_id_code", ""))
                messages.success(request, _("Your answer is recorded."))
            elif action == "form":
                services.group_form(user=request.user, group=group, firm=self.agent)
                messages.success(request, _("The group is formed; its members may now apply."))
            elif action == "apply":
                form = ApplyForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the amount, the number of instalments and the purpose."))
                services.group_loan_apply(user=request.user, group=group, firm=self.agent, **form.cleaned_data)
                messages.success(request, _("Your application is sent to the lender."))
            elif action == "pay":
                call = JointLiabilityCall.objects.filter(group=group, payer=self.agent,
                                                         pk=str(request.POST.get("call", "")).strip() or 0).first() \
                    if str(request.POST.get("call", "")).strip().isdigit() else None
                if call is None:
                    raise Http404
                services.call_pay(user=request.user, call=call)
                messages.success(request, _("Your share is paid to the defaulting member's loan."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        return redirect("clusterfinance:group-detail", pk=group.pk)

    def post_finance_company(self, request, group, action):
        """The finance company's only action on a group: a manager dissolves it, with a reason."""
        if action != "dissolve" or DISSOLVE_GROUP not in self.caps:
            raise Http404
        form = DissolveForm(request.POST)
        if form.is_valid():
            try:
                services_dissolution.group_dissolve(user=request.user, group=group, finance_company=self.agent,
                                                    reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The group is dissolved; its members are free to join another group."))
                return redirect("clusterfinance:group-detail", pk=group.pk)
        return self.render_to_response(self.get_context_data(dissolve_form=form), status=400)
