"""Reads of the support programmes and meetings pages: a fixed number of queries per page."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404

from agents.choices import AgentStatus
from agents.models import Agent, current_cluster_ids
from infocenter.choices import Category
from infocenter.models import Publication
from lending.choices import LoanStatus
from lending.models import Loan

from .models_programmes import (
    MeetingInvitation,
    PolicyMeeting,
    ProgrammeKind,
    ProgrammeStatus,
    SupportApplication,
    SupportApplicationStatus,
    SupportProgramme,
)
from .services_programmes import NPL_DPD, budgets_of, eligibility_problems


def programmes_of(government: Agent) -> list[SupportProgramme]:
    """The government's programmes, each with ``budget`` and counts of applications by status."""
    programmes = list(SupportProgramme.objects.filter(government=government).select_related("cluster").annotate(
        waiting=Count("applications", filter=Q(applications__status__in=(SupportApplicationStatus.SUBMITTED,
                                                                         SupportApplicationStatus.PREPARED))),
        paid_count=Count("applications", filter=Q(applications__status=SupportApplicationStatus.PAID))))
    budgets = budgets_of([p.pk for p in programmes])
    for p in programmes:
        p.budget = budgets[p.pk]
    return programmes


def own_programme(government: Agent, pk: int) -> SupportProgramme:
    try:
        return SupportProgramme.objects.select_related("government", "cluster").get(pk=pk, government=government)
    except SupportProgramme.DoesNotExist:
        raise Http404 from None


def applications_of(programme: SupportProgramme):
    return (SupportApplication.objects.filter(programme=programme)
            .select_related("applicant", "firm", "loan", "prepared_by", "decided_by", "entry")
            .order_by("status", "-created_at", "-pk"))


def covering_region_codes(region_code: str) -> list[str]:
    """The region codes of the governments whose jurisdiction covers ``region_code`` (its county,
    city and province)."""
    code = region_code or ""
    return sorted({code, code[:4] + "00", code[:2] + "0000"}) if len(code) == 6 else [code]


def programmes_for(agent: Agent, *, lender: bool = False):
    """Open programmes a firm may apply for (the subsidies of the governments over its region) or,
    for a lender, the open risk-compensation funds (the borrower's region decides eligibility)."""
    qs = SupportProgramme.objects.filter(status=ProgrammeStatus.OPEN, government__status=AgentStatus.ACTIVE) \
        .select_related("government", "cluster")
    if lender:
        return qs.filter(kind=ProgrammeKind.RISK_COMPENSATION)
    return qs.exclude(kind=ProgrammeKind.RISK_COMPENSATION).filter(
        government__region_code__in=covering_region_codes(agent.region_code))


def firm_programme(firm: Agent, pk: int) -> SupportProgramme:
    try:
        return programmes_for(firm).get(pk=pk)
    except SupportProgramme.DoesNotExist:
        raise Http404 from None


def lender_programme(lender: Agent, pk: int) -> SupportProgramme:
    try:
        return programmes_for(lender, lender=True).get(pk=pk)
    except SupportProgramme.DoesNotExist:
        raise Http404 from None


def firm_view(firm: Agent) -> dict:
    """The firm's page: each open programme with why it is or is not eligible, and its applications."""
    member_of = set(current_cluster_ids(firm).values_list("cluster_id", flat=True))
    programmes = list(programmes_for(firm))
    applied = {a.programme_id: a for a in SupportApplication.objects.filter(applicant=firm)
               .exclude(status=SupportApplicationStatus.REJECTED)}
    rows = [{"programme": p, "problems": eligibility_problems(p, firm, member_of=member_of),
             "application": applied.get(p.pk)} for p in programmes]
    applications = list(SupportApplication.objects.filter(applicant=firm).select_related("programme__government")
                        .order_by("-created_at"))
    return {"rows": rows, "applications": applications}


def claimable_loans(lender: Agent, programme: SupportProgramme):
    """The lender's loans that show a loss, disbursed in the programme's period."""
    return (Loan.objects.filter(lender=lender, disbursed_on__gte=programme.period_start,
                                disbursed_on__lte=programme.period_end)
            .filter(Q(status=LoanStatus.WRITTEN_OFF) | Q(status=LoanStatus.ACTIVE, dpd__gte=NPL_DPD))
            .exclude(programme_claims__programme=programme, programme_claims__status__in=(
                SupportApplicationStatus.SUBMITTED, SupportApplicationStatus.PREPARED, SupportApplicationStatus.PAID))
            .select_related("borrower").order_by("contract_no"))


def lender_claims(lender: Agent, programme: SupportProgramme):
    return (SupportApplication.objects.filter(applicant=lender, programme=programme)
            .select_related("loan", "firm").order_by("-created_at"))


def meetings_of(government: Agent):
    return list(PolicyMeeting.objects.filter(government=government).annotate(
        invited=Count("invitations"),
        accepted=Count("invitations", filter=Q(invitations__response="accepted")),
        attended_count=Count("invitations", filter=Q(invitations__attended=True))))


def own_meeting(government: Agent, pk: int) -> PolicyMeeting:
    try:
        return PolicyMeeting.objects.select_related("minutes_publication").get(pk=pk, government=government)
    except PolicyMeeting.DoesNotExist:
        raise Http404 from None


def invitations_of(meeting: PolicyMeeting):
    return list(MeetingInvitation.objects.filter(meeting=meeting).select_related("firm", "responded_by")
                .order_by("firm__name"))


def firm_invitations(firm: Agent):
    return list(MeetingInvitation.objects.filter(firm=firm).select_related(
        "meeting__government", "meeting__minutes_publication").order_by("-meeting__starts_at"))


def policies_of(government: Agent):
    return list(Publication.objects.filter(subject=government, category=Category.POLICY, is_current=True)
                .order_by("-published_at", "-pk")[:100])


def subsidy_offers(firm: Agent, on) -> list:
    """The subsidies ``firm`` may count on for a loan it takes on ``on``: the open interest and
    guarantee-fee programmes over its region that it is eligible for now, whose period has not
    ended and whose budget is not spent (``lending.subsidies``'s source; the adviser reads it)."""
    from decimal import Decimal

    from django.urls import reverse

    from lending.subsidies import GUARANTEE_FEE, INTEREST, SubsidyOffer

    kinds = {ProgrammeKind.INTEREST_SUBSIDY: INTEREST, ProgrammeKind.GUARANTEE_FEE_SUBSIDY: GUARANTEE_FEE}
    programmes = [p for p in programmes_for(firm).filter(period_end__gte=on, share__gt=0) if p.kind in kinds]
    if not programmes:
        return []
    member_of = set(current_cluster_ids(firm).values_list("cluster_id", flat=True))
    budgets = budgets_of(p.pk for p in programmes)
    return [SubsidyOffer(kind=kinds[p.kind], title=p.title, grantor=p.government.name, share=Decimal(p.share),
                         period_start=p.period_start, period_end=p.period_end,
                         url=reverse("government:programme-apply", kwargs={"pk": p.pk}))
            for p in programmes
            if budgets[p.pk].left > 0 and not eligibility_problems(p, firm, member_of=member_of)]
