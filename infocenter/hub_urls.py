"""URLs of the centre's core pages under /hub/ (issue 4): modules, publications, reports,
consent, dossier, search, subscriptions, notifications, alerts, asymmetry figures."""

from django.urls import path, register_converter

from .choices import InfoModule
from .pages import consent, dossier, notifications, publications, reports


class ModuleConverter:
    regex = "|".join(InfoModule.values)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(ModuleConverter, "module")

urlpatterns = [
    path("publish/", publications.PublicationCreateView.as_view(), name="publication-create"),
    path("mine/", publications.MyPublicationsView.as_view(), name="my-publications"),
    path("p/<int:pk>/", publications.PublicationDetailView.as_view(), name="publication-detail"),
    path("p/<int:pk>/file/", publications.PublicationAttachmentView.as_view(), name="publication-attachment"),
    path("p/<int:pk>/correct/", publications.PublicationCorrectView.as_view(), name="publication-correct"),
    path("p/<int:pk>/publish/", publications.PublicationPublishView.as_view(), name="publication-publish"),
    path("p/<int:pk>/retract/", publications.PublicationRetractView.as_view(), name="publication-retract"),
    path("reports/", reports.ReportListView.as_view(), name="reports"),
    path("reports/new/", reports.ReportCreateView.as_view(), name="report-create"),
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:pk>/reply/", reports.ReportReplyView.as_view(), name="report-reply"),
    path("reports/<int:pk>/decide/", reports.ReportDecideView.as_view(), name="report-decide"),
    path("reports/<int:pk>/evidence/", reports.ReportEvidenceView.as_view(), name="report-evidence"),
    path("consents/", consent.ConsentListView.as_view(), name="consents"),
    path("consents/new/", consent.ConsentCreateView.as_view(), name="consent-create"),
    path("consents/<int:pk>/revoke/", consent.ConsentRevokeView.as_view(), name="consent-revoke"),
    path("access-log/", consent.AccessLogView.as_view(), name="access-log"),
    path("agents/<int:pk>/", dossier.DossierView.as_view(), name="dossier"),
    path("search/", dossier.SearchView.as_view(), name="search"),
    path("asymmetry/", dossier.AsymmetryView.as_view(), name="asymmetry"),
    path("subscriptions/", notifications.SubscriptionsView.as_view(), name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", notifications.SubscriptionDeleteView.as_view(),
         name="subscription-delete"),
    path("follow/", notifications.FollowView.as_view(), name="follow"),
    path("notifications/", notifications.NotificationsView.as_view(), name="notifications"),
    path("notifications/badge/", notifications.NotificationBadgeView.as_view(), name="notification-badge"),
    path("notifications/read-all/", notifications.NotificationsReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/<int:pk>/", notifications.NotificationOpenView.as_view(), name="notification-open"),
    path("alerts/", notifications.AlertsView.as_view(), name="alerts"),
    path("alerts/<int:pk>/ack/", notifications.AlertAcknowledgeView.as_view(), name="alert-ack"),
    # last: /hub/<module>/ for the six information modules
    path("<module:module>/", publications.ModuleView.as_view(), name="module"),
]
