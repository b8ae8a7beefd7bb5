"""Pages of the rating: the firm's own rating; the finance company's list of members, a firm's
rating detail, scorecard versions (list, editor, approve); monitoring for the finance company
and the government (charts with their numbers beside them, CSV/Excel export)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from agents.choices import GRADE_ORDER, AgentKind
from agents.portal import ActingMixin
from infocenter.exports import Col, export_response
from lending.selectors import defaulted_borrowers

from . import monitoring, selectors, services
from .choices import VersionStatus
from .constants import PAGE_SIZE
from .forms import editor_rows, parse_editor


def _trend_json(trend) -> list:
    return [{"day": timezone.localtime(r["rated_at"]).strftime("%Y-%m-%d"), "score": round(r["score"], 1),
             "grade": r["grade"]} for r in trend]


class RatingContextMixin:
    """Current rating, trend and counterfactual of ``self.firm`` for the page."""

    def rating_context(self, firm) -> dict:
        user = self.request.user
        rating = selectors.current_rating(user=user, agent=firm)
        trend = selectors.rating_trend(user=user, agent=firm)
        ctx = {"firm": firm, "rating": rating, "trend": trend, "trend_json": _trend_json(trend),
               "grades": list(GRADE_ORDER)}
        if rating is not None:
            ctx["counterfactual"] = selectors.rating_counterfactual(rating)
            ctx["rating_reports"] = selectors.rating_reports(user=user, agent=firm)
            ctx["active_version"] = selectors.active_version(rating.finance_company)
            ctx["spread"] = (rating.version.spreads or {}).get(rating.grade, "")
        return ctx


class MyRatingView(ActingMixin, RatingContextMixin, TemplateView):
    """The enterprise user's own rating: grade, reasons, trend, what would improve it."""

    acting_kinds = (AgentKind.ENTERPRISE,)
    template_name = "clusterfinance/rating/mine.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.rating_context(self.agent))
        return ctx


class FinanceMixin(ActingMixin):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)


class MemberRatingListView(FinanceMixin, TemplateView):
    template_name = "clusterfinance/rating/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        grade = self.request.GET.get("grade", "")
        q = (self.request.GET.get("q") or "").strip()[:100]
        qs = selectors.member_ratings(user=self.request.user, finance_company=self.agent, grade=grade, q=q)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx.update(page=Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page")), grade=grade, q=q,
                   grades=list(GRADE_ORDER), query=params.urlencode(),
                   version=selectors.active_version(self.agent))
        return ctx


class FirmRatingView(ActingMixin, RatingContextMixin, TemplateView):
    """A firm's rating detail for its finance company and the government of its region."""

    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.GOVERNMENT)
    template_name = "clusterfinance/rating/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        firm = selectors.firm_for_rating(user=self.request.user, pk=self.kwargs["pk"])
        ctx.update(self.rating_context(firm))
        ctx["may_rerate"] = self.agent.kind == AgentKind.FINANCE_COMPANY
        return ctx


class RerateView(FinanceMixin, View):
    def post(self, request, pk):
        firm = selectors.firm_for_rating(user=request.user, pk=pk)
        try:
            written = services.rating_request(agent=firm, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Re-rated: %(grade)s.") % {"grade": written[0].grade} if written
                             else _("Nothing to re-rate: the firm is not a current member."))
        return redirect("clusterfinance:rating:detail", pk=firm.pk)

    def get(self, request, pk):
        from django.http import HttpResponseNotAllowed

        selectors.firm_for_rating(user=request.user, pk=pk)
        return HttpResponseNotAllowed(["POST"])


# --- scorecard versions -------------------------------------------------------------------
class VersionListView(FinanceMixin, TemplateView):
    template_name = "clusterfinance/rating/versions.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        services.scorecard_default_ensure(finance_company=self.agent)
        ctx["versions"] = selectors.versions_of(user=self.request.user, finance_company=self.agent)
        return ctx


class VersionDetailView(FinanceMixin, TemplateView):
    """One version: its factors, bins and points, calibration and spreads; approve a draft."""

    template_name = "clusterfinance/rating/version.html"

    def get_version(self):
        version = selectors.version_for(user=self.request.user, pk=self.kwargs["pk"])
        if version.finance_company_id != self.agent.pk:
            raise Http404
        return version

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        version = kwargs.get("version") or self.get_version()
        if version.kind == "statistical":
            ctx.update(holdout=(version.spec.get("holdout") or {}).get("metrics") or {},
                       other_columns=services.statistical_model_inputs(version.spec)[1])
        ctx.update(version=version, rows=editor_rows(version),
                   may_approve=(version.status == VersionStatus.DRAFT and version.created_by_id != self.request.user.pk
                                and "fc_manager" in _roles(self.request.user, self.agent)))
        return ctx

    def post(self, request, pk):
        version = self.get_version()
        try:
            services.scorecard_version_approve(version=version, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", None) or [str(exc)]))
            return self.render_to_response(self.get_context_data(version=version))
        messages.success(request, _("Version %(n)s is approved and in use; members are being re-rated.")
                         % {"n": version.number})
        return redirect("clusterfinance:rating:version", pk=version.pk)


def _roles(user, agent) -> set:
    from agents.models import Membership

    return set(Membership.objects.filter(user=user, agent=agent, is_active=True).values_list("role", flat=True))


class VersionEditView(VersionDetailView):
    """The editor: a new draft version from an existing one (the old version stays as it was)."""

    template_name = "clusterfinance/rating/version_edit.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(errors=kwargs.get("errors", {}), posted=kwargs.get("posted"),
                   calibration=ctx["version"].calibration, spreads=ctx["version"].spreads or {})
        return ctx

    def post(self, request, pk):
        base = self.get_version()
        spec, calibration, spreads, errors = parse_editor(request.POST, base)
        if not errors:
            try:
                version = services.scorecard_version_create(
                    finance_company=self.agent, user=request.user, name=request.POST.get("name", ""),
                    notes=request.POST.get("notes", "")[:2000], spec=spec, calibration=calibration,
                    spreads=spreads, based_on=base, kind=base.kind)
            except (PermissionDenied, ValidationError) as exc:
                errors["form"] = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            else:
                messages.success(request, _("Draft version %(n)s saved. A manager other than you must approve it "
                                            "before it rates anyone.") % {"n": version.number})
                return redirect("clusterfinance:rating:version", pk=version.pk)
        return self.render_to_response(self.get_context_data(version=base, errors=errors, posted=request.POST),
                                       status=400)


# --- monitoring ---------------------------------------------------------------------------
EXPORTS = {
    "distribution": gettext_lazy("Rating distribution"),
    "migration": gettext_lazy("Migration matrix"),
    "backtest": gettext_lazy("Back-test"),
    "psi": gettext_lazy("Population stability"),
}


class MonitoringView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.GOVERNMENT)
    template_name = "clusterfinance/rating/monitoring.html"

    def figures(self) -> dict:
        firms = selectors.monitored_firms(user=self.request.user)
        today = timezone.localdate()
        end = monitoring.months_back(today, 0) if today == monitoring.month_end(today) else monitoring.months_back(
            today, 1)
        start = monitoring.months_back(end, 1)
        year_ago = monitoring.months_back(end, 12)
        history = selectors.ratings_history(firms, since=year_ago - timedelta(days=1))
        dist = selectors.grade_distribution(firms)
        by_cluster = monitoring.distribution(dist, "cluster") if len(dist) else None
        by_industry = monitoring.distribution(dist, "industry_code") if len(dist) else None
        matrix = monitoring.migration_matrix(history, start, end) if len(history) else None
        defaulted = defaulted_borrowers(firms.values("pk"), start=year_ago, end=today)
        backtest = monitoring.back_test(history, defaulted, year_ago, today) if len(history) else None
        if len(history):
            value, psi_table = monitoring.psi(monitoring.grades_on(history, year_ago),
                                              monitoring.grades_on(history, today))
        else:
            value, psi_table = None, None
        return {"by_cluster": by_cluster, "by_industry": by_industry, "matrix": matrix, "backtest": backtest,
                "psi": value, "psi_table": psi_table, "psi_label": monitoring.psi_label(value),
                "start": start, "end": end, "year_ago": year_ago, "today": today, "firm_count": len(dist)}

    def get(self, request, *args, **kwargs):
        table = request.GET.get("export")
        if table:
            fmt = request.GET.get("format", "csv")
            if table not in EXPORTS or fmt not in ("csv", "xlsx"):
                from django.http import HttpResponseBadRequest

                return HttpResponseBadRequest(_("Unknown export."))
            return self.export(table, fmt, self.figures())
        return super().get(request, *args, **kwargs)

    def export(self, table: str, fmt: str, f: dict):
        if table == "distribution":
            frame = f["by_cluster"]
            rows = [] if frame is None else [{"group": k, **row} for k, row in frame.to_dict("index").items()]
            cols = [Col(_("Cluster"), lambda r: r["group"])] + [
                Col(g, _cell(g)) for g in (*GRADE_ORDER, "—")]
        elif table == "migration":
            frame = f["matrix"]
            rows = [] if frame is None else [{"from": k, **row} for k, row in frame.to_dict("index").items()]
            cols = [Col(_("From grade"), lambda r: r["from"])] + [
                Col(g, _cell(g)) for g in (*GRADE_ORDER, "—")]
        elif table == "backtest":
            rows = [] if f["backtest"] is None else f["backtest"].table.to_dict("records")
            cols = [Col(_("Grade"), lambda r: r["grade"]), Col(_("Firms"), lambda r: r["firms"]),
                    Col(_("Defaults"), lambda r: r["defaults"]),
                    Col(_("Observed default rate"), lambda r: r["observed_rate"]),
                    Col(_("Predicted PD"), lambda r: r["predicted_pd"])]
        else:
            rows = [] if f["psi_table"] is None else f["psi_table"].to_dict("records")
            cols = [Col(_("Grade"), lambda r: r["grade"]), Col(_("Firms a year ago"), lambda r: r["expected"]),
                    Col(_("Firms now"), lambda r: r["actual"]), Col(_("PSI part"), lambda r: r.get("psi"))]
        return export_response(fmt, rows, cols, f"rating-{table}")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        f = self.figures()
        ctx.update(f)
        ctx["grades"] = list(GRADE_ORDER)
        ctx["exports"] = list(EXPORTS.items())
        overall = {}
        for frame in (f["by_cluster"],):
            if frame is not None:
                overall = frame.sum(axis=0).to_dict()
        ctx["chart_distribution"] = [{"name": g, "value": int(overall.get(g, 0))} for g in (*GRADE_ORDER, "—")
                                     if overall.get(g)]
        if f["backtest"] is not None:
            t = f["backtest"].table
            ctx["chart_backtest"] = {"grades": list(t["grade"]),
                                     "observed": [None if v is None or v != v else round(v * 100, 2)
                                                  for v in t["observed_rate"]],
                                     "predicted": [None if v is None or v != v else round(v * 100, 2)
                                                   for v in t["predicted_pd"]]}
        ctx["url_self"] = reverse("clusterfinance:rating:monitoring")
        ctx["t_cluster"], ctx["t_industry"], ctx["t_matrix"] = (_table(f["by_cluster"]), _table(f["by_industry"]),
                                                                 _table(f["matrix"]))
        ctx["t_backtest"] = [] if f["backtest"] is None else f["backtest"].table.to_dict("records")
        ctx["t_psi"] = [] if f["psi_table"] is None else f["psi_table"].to_dict("records")
        return ctx


def _cell(grade: str):
    return lambda row: row.get(grade, 0)


def _table(frame) -> dict | None:
    """A DataFrame as columns and rows for a template table."""
    if frame is None:
        return None
    return {"columns": [str(c) for c in frame.columns],
            "rows": [(str(index), [int(v) for v in values]) for index, values in zip(frame.index, frame.to_numpy(),
                                                                                      strict=True)]}

