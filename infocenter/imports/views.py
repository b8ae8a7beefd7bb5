"""Pages of bulk data in and out: upload, column mapping, live progress (htmx), the error
report, and the lists of records with CSV/Excel export."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView, View

from agents.models import Agent
from agents.restrict import get_restricted_or_404

from ..choices import ImportStatus, RecordKind
from ..exports import BOM, Col, ExportMixin
from ..models import ImportJob
from ..models.records import FIELDS_BY_KIND, REQUIRED_FIELDS
from . import selectors, services
from .columns import COLUMNS, fields_for
from .forms import ImportMappingForm, ImportUploadForm, RecordFilterForm


class ImporterMixin(LoginRequiredMixin):
    """Government and finance-company staff only; anyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = services.importer_memberships(request.user).first()
        if membership is None:
            raise Http404
        self.agent = membership.agent
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agent"] = self.agent
        return ctx


class ImportListView(ImporterMixin, ListView):
    template_name = "infocenter/imports/list.html"
    context_object_name = "jobs"
    paginate_by = 25

    def get_queryset(self):
        return selectors.import_jobs_for(self.request.user, self.agent)


class ImportCreateView(ImporterMixin, FormView):
    template_name = "infocenter/imports/upload.html"
    form_class = ImportUploadForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["kinds"] = services.kinds_for(self.agent)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kinds"] = [(k, RecordKind(k).label, [COLUMNS[f] for f in fields_for(k)])
                        for k in services.kinds_for(self.agent)]
        return ctx

    def form_valid(self, form):
        try:
            job = services.import_job_create(
                user=self.request.user, agent=self.agent, kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"], source_name=form.cleaned_data["source_name"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("file", exc.messages if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form)
        if job.status == ImportStatus.MAPPING:
            return redirect("infocenter:import-mapping", pk=job.pk)
        services.import_job_enqueue(job)
        return redirect("infocenter:import-detail", pk=job.pk)


class JobMixin(ImporterMixin):
    def get_job(self) -> ImportJob:
        if not hasattr(self, "_job"):
            self._job = get_restricted_or_404(selectors.import_jobs_for(self.request.user), self.request.user,
                                              pk=self.kwargs["pk"])
        return self._job


class ImportMappingView(JobMixin, FormView):
    template_name = "infocenter/imports/mapping.html"
    form_class = ImportMappingForm

    def get(self, request, *args, **kwargs):
        if self.get_job().status != ImportStatus.MAPPING:
            return redirect("infocenter:import-detail", pk=self.get_job().pk)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["job"] = self.get_job()
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        job = self.get_job()
        ctx["job"] = job
        ctx["required"] = [COLUMNS[f].label for f in ("credit_code", "period")] + [
            COLUMNS[f].label for f in REQUIRED_FIELDS[job.kind]]
        return ctx

    def form_valid(self, form):
        try:
            job = services.import_job_map(job=self.get_job(), user=self.request.user, mapping=form.mapping())
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            return self.form_invalid(form)
        services.import_job_enqueue(job)
        return redirect("infocenter:import-detail", pk=job.pk)


class ImportDetailView(JobMixin, TemplateView):
    template_name = "infocenter/imports/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["job"] = self.get_job()
        return ctx


class ImportProgressView(JobMixin, TemplateView):
    """The htmx fragment the detail page polls every second until the job is finished."""

    template_name = "infocenter/imports/_progress.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["job"] = self.get_job()
        return ctx

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["job"].is_finished:
            # htmx: stop polling; the fragment is the last word.
            response["HX-Trigger"] = "import-finished"
        return response


class ImportErrorsView(JobMixin, View):
    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if not job.error_report:
            raise Http404
        return FileResponse(job.error_report.open("rb"), as_attachment=True,
                            filename=f"import-{job.pk}-errors.csv", content_type="text/csv; charset=utf-8")


class ImportTemplateView(ImporterMixin, View):
    """An empty CSV with the Chinese column names of a kind: a file to fill in."""

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("kind", RecordKind.STATEMENT)
        if kind not in services.kinds_for(self.agent):
            raise Http404
        headers = [COLUMNS[f].aliases[0] for f in fields_for(kind) if f != "reported_on"]
        response = HttpResponse((BOM + ",".join(headers) + "\r\n").encode("utf-8"),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="template-{kind}.csv"'
        return response


# --- records ---------------------------------------------------------------------------------
def record_columns() -> list[Col]:
    figures = [f for fields in FIELDS_BY_KIND.values() for f in fields]
    return [
        Col(gettext_lazy("Firm"), "agent.name"),
        Col(gettext_lazy("Unified social credit code"), "agent.credit_code"),
        Col(gettext_lazy("Kind"), lambda r: r.get_kind_display()),
        Col(gettext_lazy("Period"), "period"),
        *[Col(COLUMNS[f].label, f) for f in figures],
        Col(gettext_lazy("Supplied by"), "supplied_by.name"),
        Col(gettext_lazy("Source system"), "source_name"),
        Col(gettext_lazy("Updated at"), "updated_at"),
    ]


class RecordListView(LoginRequiredMixin, ExportMixin, ListView):
    """Every record the user may see: own firm, region (government), cluster (finance company),
    consented firms (institutions, investors)."""

    template_name = "infocenter/records/list.html"
    context_object_name = "records"
    paginate_by = 50
    export_filename = "firm-records"

    def get_export_columns(self):
        return record_columns()

    def get_filters(self) -> dict:
        form = RecordFilterForm(self.request.GET or None)
        self.filter_form = form
        return form.cleaned_data if form.is_valid() else {}

    def get_queryset(self):
        filters = self.get_filters()
        return selectors.records_for(self.request.user, q=filters.get("q", ""), kind=filters.get("kind", ""),
                                     period=filters.get("period", ""), firm=getattr(self, "firm", None))

    def get_export_queryset(self):
        qs = self.get_queryset()
        regions = dict(qs.order_by().values_list("agent_id", "agent__region_code").distinct())
        services.records_access_log(user=self.request.user, firm_regions=regions,
                                    page=self.request.get_full_path())
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        services.records_access_log(user=self.request.user,
                                    firm_regions={r.agent_id: r.agent.region_code for r in ctx["records"]},
                                    page=self.request.get_full_path())
        ctx["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query"] = query.urlencode()
        ctx["firm"] = getattr(self, "firm", None)
        ctx["figure_columns"] = [(k, [(f, COLUMNS[f].label) for f in FIELDS_BY_KIND[k]]) for k in RecordKind.values]
        return ctx


class FirmRecordListView(RecordListView):
    template_name = "infocenter/records/firm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.firm = get_restricted_or_404(Agent, request.user, pk=kwargs["pk"], kind="enterprise")
        return super().dispatch(request, *args, **kwargs)

    @property
    def export_filename(self):
        return f"records-{self.firm.credit_code}"

