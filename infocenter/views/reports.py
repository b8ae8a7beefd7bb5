"""Report pages: the lists (about us, filed by us, to verify), filing, one report with the
subject's reply beside it, replying and deciding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from agents.forms import apply_errors
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..constants import PAGE_SIZE
from ..forms import DecisionForm, ReplyForm, ReportForm
from ..models import Report
from ..permissions import verifier_agent_for
from .base import ActingMixin, acting_agent

TABS = ("about", "filed", "queue", "verified")


class ReportListView(ActingMixin, TemplateView):
    template_name = "infocenter/reports.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, agent = self.request.user, self.agent
        may_verify = selectors.may_verify_any(user)
        tab = self.request.GET.get("tab") or ("queue" if may_verify else "about")
        if tab not in TABS or (tab == "queue" and not may_verify):
            tab = "about"
        qs = {
            "about": lambda: selectors.reports_for(user, subject=agent),
            "filed": lambda: selectors.reports_for(user, reporter=agent),
            "queue": lambda: selectors.verification_queue(user),
            "verified": lambda: selectors.reports_for(user, status="verified"),
        }[tab]()
        ctx.update(tab=tab, may_verify=may_verify,
                   page=Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page")))
        return ctx


class ReportCreateView(ActingMixin, FormView):
    template_name = "infocenter/report_form.html"
    form_class = ReportForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["subjects"] = selectors.visible_agents(self.request.user).exclude(pk=self.agent.pk)
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        subject = self.request.GET.get("subject", "")
        if subject.isdigit():
            initial["subject"] = int(subject)
        return initial

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            report = services.report_file(
                reporter=self.agent, subject=d["subject"], author=self.request.user, category=d["category"],
                report_type=d["report_type"], title=d["title"], evidence=d["evidence"],
                evidence_file=d.get("evidence_file"), occurred_on=d.get("occurred_on"),
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Report filed. The subject can reply; the finance company or the "
                                         "government will verify it."))
        return redirect("infocenter:report-detail", pk=report.pk)


class ReportDetailView(LoginRequiredMixin, TemplateView):
    """One report with the subject's reply beside it; the reply form for the subject and the
    decision form for the finance company or the government."""

    template_name = "infocenter/report_detail.html"

    def get_report(self) -> Report:
        return get_restricted_or_404(
            Report.objects.select_related("reporter", "subject", "author", "decided_by_agent", "replied_by"),
            self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report = kwargs.get("report") or self.get_report()
        user = self.request.user
        agent = acting_agent(user)
        is_subject = agent is not None and agent.pk == report.subject_id
        verifier = verifier_agent_for(user, report)
        ctx.update(
            report=report, is_subject=is_subject, verifier=verifier,
            reply_form=kwargs.get("reply_form") or (ReplyForm(initial={"reply": report.reply}) if is_subject
                                                    else None),
            decision_form=kwargs.get("decision_form") or (DecisionForm() if verifier else None),
        )
        return ctx


class ReportReplyView(ReportDetailView):
    def get_report(self) -> Report:
        report = super().get_report()
        agent = acting_agent(self.request.user)
        if agent is None or agent.pk != report.subject_id:
            raise Http404
        return report

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.report_reply(report=report, author=request.user, text=form.cleaned_data["reply"])
                messages.success(request, _("Your reply is shown beside the report."))
                return redirect("infocenter:report-detail", pk=report.pk)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
        return self.render_to_response(self.get_context_data(report=report, reply_form=form))


class ReportDecideView(ReportDetailView):
    def get_report(self) -> Report:
        report = super().get_report()
        if verifier_agent_for(self.request.user, report) is None:
            raise Http404
        return report

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.report_decide(report=report, decided_by=request.user, status=form.cleaned_data["status"],
                                       note=form.cleaned_data["note"])
                messages.success(request, _("Decision recorded."))
                return redirect("infocenter:report-detail", pk=report.pk)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
        return self.render_to_response(self.get_context_data(report=report, decision_form=form))


class ReportEvidenceView(LoginRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        report = get_restricted_or_404(Report, request.user, pk=kwargs["pk"])
        if not report.evidence_file:
            raise Http404
        name = report.evidence_file_name or report.evidence_file.name.rsplit("/", 1)[-1]
        return FileResponse(report.evidence_file.open("rb"), as_attachment=True, filename=name)
