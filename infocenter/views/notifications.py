"""Subscriptions, notifications (with the navbar badge) and the government's alerts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from agents.models import Agent
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..constants import PAGE_SIZE
from ..forms import FollowForm, SubscriptionForm
from ..models import Alert, Notification, Subscription
from ..notify_texts import Delivery, topics
from .base import ActingMixin, safe_next


class SubscriptionsView(LoginRequiredMixin, FormView):
    template_name = "infocenter/subscriptions.html"
    form_class = SubscriptionForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["subscriptions"] = list(selectors.subscriptions_of(self.request.user))
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        target = "module" if d["module"] else "category"
        try:
            services.subscription_create(user=self.request.user, target=target, module=d["module"],
                                         category=d["category"], email=d["email"])
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("You now follow this."))
        return redirect("infocenter:subscriptions")


class SubscriptionDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        subscription = get_object_or_404(Subscription, pk=pk, user=request.user)
        services.subscription_delete(subscription=subscription, user=request.user)
        messages.success(request, _("You no longer follow this."))
        return redirect(safe_next(request, reverse("infocenter:subscriptions")))


class FollowView(LoginRequiredMixin, View):
    """The follow / unfollow buttons on module pages and dossiers (htmx swaps the button)."""

    def post(self, request):
        form = FollowForm(request.POST)
        if not form.is_valid():
            return redirect("infocenter:subscriptions")
        d = form.cleaned_data
        agent = None
        if d["target"] == "agent":
            agent = get_object_or_404(Agent.objects.restrict(request.user, "view"), pk=d["agent"] or 0)
        lookup = {"module": d["module"], "agent": agent, "category": d["category"]}
        if d["unfollow"]:
            existing = selectors.following(request.user, **{k: v for k, v in lookup.items() if v})
            if existing:
                services.subscription_delete(subscription=existing, user=request.user)
        else:
            try:
                services.subscription_create(user=request.user, target=d["target"], email=d["email"], **lookup)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
        if getattr(request, "htmx", False):
            from django.shortcuts import render

            return render(request, "infocenter/partials/follow_button.html", {
                "following": selectors.following(request.user, **{k: v for k, v in lookup.items() if v}),
                "target": d["target"], "module": d["module"], "category": d["category"], "agent_id": d["agent"],
                "next": d["next"],
            })
        return redirect(safe_next(request, reverse("infocenter:subscriptions")))


class NotificationsView(LoginRequiredMixin, TemplateView):
    """The person's notifications, newest first; daily digests show their count and latest
    items. Filter by kind (``?kind=<topic>``) and unread. A fixed number of queries."""

    template_name = "infocenter/notifications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.notifications_of(self.request.user)
        kinds = selectors.notification_kinds_of(self.request.user)
        kind = self.request.GET.get("kind", "")
        if kind not in {k["topic"] for k in kinds}:
            kind = ""
        if kind:
            qs = qs.filter(topic=kind)
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        ctx.update(page=Paginator(qs, PAGE_SIZE * 2).get_page(self.request.GET.get("page")),
                   unread_only=bool(self.request.GET.get("unread")), kinds=kinds, kind=kind,
                   kind_label=next((k["label"] for k in kinds if k["topic"] == kind), ""),
                   unread=selectors.unread_count(self.request.user))
        return ctx


class NotificationSettingsView(LoginRequiredMixin, TemplateView):
    """Per kind of notification: each item, a daily digest or nothing."""

    template_name = "infocenter/notification_settings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = selectors.notification_preferences_of(self.request.user)
        groups: dict[str, list] = {}
        for row in rows:
            groups.setdefault(row["topic"].group, []).append(row)
        ctx.update(groups=list(groups.items()), deliveries=Delivery.choices)
        return ctx

    def post(self, request):
        choices = {t.key: request.POST[t.key] for t in topics() if t.key in request.POST}
        try:
            n = services.notification_preferences_set(user=request.user, choices=choices)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("Your notification settings are saved (%(n)s changed).") % {"n": n})
        return redirect("infocenter:notification-settings")


class NotificationOpenView(LoginRequiredMixin, View):
    """Open a notification: it is marked read and the user goes to what it is about."""

    def get(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, user=request.user)
        services.notification_mark_read(notification=notification, user=request.user)
        url = notification.url
        if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
            url = reverse("infocenter:notifications")
        return redirect(url)


class NotificationsReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        kind = request.POST.get("kind", "")[:60]
        n = services.notifications_mark_all_read(user=request.user, topic=kind)
        messages.success(request, _("%(n)s notifications marked as read.") % {"n": n})
        if kind:
            return redirect(f"{reverse('infocenter:notifications')}?{urlencode({'kind': kind})}")
        return redirect("infocenter:notifications")


class NotificationBadgeView(LoginRequiredMixin, TemplateView):
    """The navbar's unread counter (htmx polls it)."""

    template_name = "infocenter/partials/notification_badge.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unread"] = selectors.unread_count(self.request.user)
        return ctx


class AlertsView(ActingMixin, TemplateView):
    template_name = "infocenter/alerts.html"
    acting_kinds = ("government",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page"] = Paginator(selectors.alerts_for(self.request.user), PAGE_SIZE) \
            .get_page(self.request.GET.get("page"))
        return ctx


class AlertAcknowledgeView(ActingMixin, View):
    acting_kinds = ("government",)

    def post(self, request, pk):
        alert = get_restricted_or_404(Alert.objects.select_related("government"), request.user, pk=pk)
        try:
            services.alert_acknowledge(alert=alert, user=request.user)
        except PermissionDenied:
            messages.error(request, _("You cannot acknowledge this alert."))
        return redirect(safe_next(request, reverse("infocenter:alerts")))
