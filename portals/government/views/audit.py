"""The audit log viewer: every money-moving and permission-changing action about agents of the
government's region (who, what, when, from where), filters, and a check of the hash chain."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from agents.audit import audit_chain_seal, audit_chain_verify, audit_records_visible
from agents.choices import AgentKind
from agents.models import AuditRecord
from agents.parsing import parse_date
from agents.portal import PortalMixin


class AuditLogView(PortalMixin, ListView):
    portal_kind = AgentKind.GOVERNMENT
    template_name = "government/audit/log.html"
    paginate_by = 50
    context_object_name = "records"

    def _filters(self) -> dict:
        get = self.request.GET
        filters, errors = {}, []
        for name in ("date_from", "date_to"):
            raw = get.get(name, "").strip()
            if raw:
                try:
                    filters[name] = parse_date(raw)
                except Exception:  # noqa: BLE001 - shown as a message, the filter is dropped
                    errors.append(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw[:20]})
        filters["action"] = get.get("action", "").strip()[:60]
        filters["q"] = get.get("q", "").strip()[:120]
        self.filter_errors = errors
        return filters

    def get_queryset(self):
        records = audit_records_visible(self.request.user)
        self.filters = f = self._filters()
        if f.get("date_from"):
            records = records.filter(at__date__gte=f["date_from"])
        if f.get("date_to"):
            records = records.filter(at__date__lte=f["date_to"])
        if f["action"]:
            records = records.filter(action=f["action"])
        if f["q"]:
            records = records.filter(target__icontains=f["q"]) | records.filter(summary__icontains=f["q"])
        return records.order_by("-at", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            filters=self.filters, filter_errors=self.filter_errors,
            actions=AuditRecord.objects.order_by("action").values_list("action", flat=True).distinct(),
            sealed=AuditRecord.objects.filter(chain_seq__isnull=False).count(),
            pending=AuditRecord.objects.filter(chain_seq__isnull=True).count(),
            query=self._query_without_page(),
        )
        return ctx

    def _query_without_page(self) -> str:
        query = self.request.GET.copy()
        query.pop("page", None)
        return query.urlencode()


class AuditVerifyView(PortalMixin, View):
    """Seal what is pending and verify the whole chain now (what ``manage.py audit_verify`` does)."""

    portal_kind = AgentKind.GOVERNMENT

    def post(self, request):
        audit_chain_seal()
        result = audit_chain_verify()
        if result.ok:
            messages.success(request, _("The audit chain is intact: %(n)s records verified, head %(head)s.")
                             % {"n": result.checked, "head": result.head_hash[:16]})
        else:
            messages.error(request, _("The audit chain is broken at record %(id)s: %(problem)s.")
                           % {"id": result.broken_at or "—", "problem": _(result.problem)})
        return redirect("government:audit")
