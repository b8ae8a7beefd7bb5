"""Publication pages: a module's list, one publication with its history, publishing,
correcting, retracting, the attachment, and the agent's own list."""

from __future__ import annotations

from django.contrib import messages
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
from ..choices import CATEGORY_MODULE, Category, InfoModule, PublicationStatus, Visibility, categories_of
from ..constants import PAGE_SIZE
from ..data_display import data_rows
from ..forms import CorrectionForm, PublicationForm, RetractionForm
from ..models import Publication
from .base import ActingMixin, acting_agent


class ModuleView(TemplateView):
    """/hub/<module>/: what the viewer may read in one information module (current versions;
    retracted items stay listed, marked), filterable by category."""

    template_name = "infocenter/module.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        module = kwargs["module"]
        if module not in InfoModule.values:
            raise Http404
        category = self.request.GET.get("category", "")
        if category and CATEGORY_MODULE.get(category) != module:
            category = ""
        user = self.request.user
        page = Paginator(selectors.publications_for(user, module=module, category=category), PAGE_SIZE) \
            .get_page(self.request.GET.get("page"))
        agent = acting_agent(user) if user.is_authenticated else None
        ctx.update(
            module=module, module_label=InfoModule(module).label, categories=categories_of(module),
            category=category, page=page, agent=agent,
            following=selectors.following(user, module=module),
            may_publish=bool(agent) and any(c for c, _label in categories_of(module)
                                            if agent.kind in _publisher_kinds(c)),
            reports=(list(selectors.reports_for(user, status="verified")[:10])
                     if module == InfoModule.BUSINESS else []),
        )
        return ctx


def _publisher_kinds(category):
    from ..choices import PUBLISHER_KINDS

    return PUBLISHER_KINDS[category]


class PublicationDetailView(TemplateView):
    """One publication, its version history and (for its publisher) the actions. Reading a
    confidential item about someone else is written to the access log."""

    template_name = "infocenter/publication_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        publication = get_restricted_or_404(
            Publication.objects.select_related("subject", "publisher", "author"), user, pk=kwargs["pk"])
        services.access_log_record(user=user, publications=[publication], page=self.request.path)
        agent = acting_agent(user) if user.is_authenticated else None
        is_publisher = agent is not None and agent.pk == publication.publisher_id
        ctx.update(
            publication=publication, history=list(selectors.publication_history(user, publication)),
            is_publisher=is_publisher,
            # labelled rows when the publishing app declared how its data reads (else the raw data)
            data_rows=data_rows(publication.category, publication.data),
            current=(publication if publication.is_current else
                     selectors.publication_history(user, publication).filter(is_current=True).first()),
        )
        return ctx


class PublicationAttachmentView(View):
    """The attachment, served through restrict() (never a public media URL)."""

    def get(self, request, *args, **kwargs):
        publication = get_restricted_or_404(Publication.objects.select_related("subject"), request.user,
                                            pk=kwargs["pk"])
        if not publication.attachment:
            raise Http404
        services.access_log_record(user=request.user, publications=[publication], page=request.path)
        name = publication.attachment_name or publication.attachment.name.rsplit("/", 1)[-1]
        return FileResponse(publication.attachment.open("rb"), as_attachment=True, filename=name)


class PublicationCreateView(ActingMixin, FormView):
    """Publish about one's own agent (or keep a draft)."""

    template_name = "infocenter/publication_form.html"
    form_class = PublicationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(kind=self.agent.kind, module=self.request.GET.get("module", ""))
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("category") in Category.values:
            initial["category"] = self.request.GET["category"]
        return initial

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            publication = services.publication_create(
                subject=self.agent, author=self.request.user, category=d["category"], title=d["title"],
                body=d["body"], data=d["data"], period=d["period"], visibility=d["visibility"],
                audience_kinds=d["audience_kinds"], attachment=d.get("attachment"), publish=d["publish"],
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Published.") if d["publish"] else _("Saved as a draft."))
        return redirect("infocenter:publication-detail", pk=publication.pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["heading"] = _("Publish")
        return ctx


class _OwnPublicationMixin(ActingMixin):
    def get_publication(self) -> Publication:
        if not hasattr(self, "_publication"):
            self._publication = get_restricted_or_404(
                Publication.objects.select_related("subject", "publisher"), self.request.user, "change",
                pk=self.kwargs["pk"], publisher=self.agent)
        return self._publication

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["publication"] = self.get_publication()
        return ctx


class PublicationCorrectView(_OwnPublicationMixin, FormView):
    """A draft is edited in place; a published item is corrected into a new version."""

    template_name = "infocenter/publication_form.html"

    def get_form_class(self):
        return PublicationForm if self.get_publication().status == PublicationStatus.DRAFT else CorrectionForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(kind=self.agent.kind)
        return kwargs

    def get_initial(self):
        p = self.get_publication()
        if not p.is_current or p.status == PublicationStatus.RETRACTED:
            raise Http404
        return {"category": p.category, "title": p.title, "body": p.body, "period": p.period, "data": p.data,
                "visibility": p.visibility, "audience_kinds": p.audience_kinds_list, "publish": False}

    def form_valid(self, form):
        p, d = self.get_publication(), form.cleaned_data
        try:
            if p.status == PublicationStatus.DRAFT:
                p = services.publication_update_draft(
                    publication=p, author=self.request.user, category=d["category"], title=d["title"],
                    body=d["body"], data=d["data"], period=d["period"], visibility=d["visibility"],
                    audience_kinds=d["audience_kinds"], attachment=d.get("attachment"))
                if d.get("publish"):
                    p = services.publication_publish(publication=p, author=self.request.user)
                messages.success(self.request, _("Draft saved.") if not d.get("publish") else _("Published."))
            else:
                p = services.publication_correct(
                    publication=p, author=self.request.user, correction_note=d["correction_note"],
                    title=d["title"], body=d["body"], data=d["data"], period=d["period"],
                    visibility=d["visibility"], audience_kinds=d["audience_kinds"],
                    attachment=d.get("attachment"), remove_attachment=d.get("remove_attachment", False))
                messages.success(self.request, _("Corrected: version %(v)s is now current.") % {"v": p.version})
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        return redirect("infocenter:publication-detail", pk=p.pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.get_publication()
        ctx["heading"] = _("Edit draft") if p.status == PublicationStatus.DRAFT else _("Correct")
        return ctx


class PublicationPublishView(_OwnPublicationMixin, TemplateView):
    template_name = "infocenter/publication_confirm.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.get_publication().status != PublicationStatus.DRAFT:
            raise Http404
        ctx.update(action="publish", heading=_("Publish this draft?"))
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            services.publication_publish(publication=self.get_publication(), author=request.user)
            messages.success(request, _("Published."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("infocenter:publication-detail", pk=self.get_publication().pk)


class PublicationRetractView(_OwnPublicationMixin, FormView):
    template_name = "infocenter/publication_confirm.html"
    form_class = RetractionForm

    def get_context_data(self, **kwargs):
        p = self.get_publication()
        if not p.is_current or p.status != PublicationStatus.PUBLISHED:
            raise Http404
        ctx = super().get_context_data(**kwargs)
        ctx.update(action="retract", heading=_("Retract this publication?"))
        return ctx

    def form_valid(self, form):
        try:
            services.publication_retract(publication=self.get_publication(), author=self.request.user,
                                         reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Retracted. The item stays visible, marked as retracted."))
        return redirect("infocenter:publication-detail", pk=self.get_publication().pk)


class MyPublicationsView(ActingMixin, TemplateView):
    """The acting agent's own publications, drafts first."""

    template_name = "infocenter/my_publications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(selectors.own_publications(self.request.user, self.agent), PAGE_SIZE) \
            .get_page(self.request.GET.get("page"))
        ctx.update(page=page, visibility_labels=dict(Visibility.choices))
        return ctx
