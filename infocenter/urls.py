"""URLs of the centre under /hub/ (namespace ``infocenter``): the front page, modules,
publications, reports, consent, dossier, search, subscriptions, notifications, alerts, the
asymmetry figures, and bulk data in and out (imports, records, API tokens)."""

from django.urls import path, register_converter

from .choices import InfoModule
from .imports import views as imports
from .views import api_tokens, consent, dossier, hub, notifications, publications, reports


class ModuleConverter:
    regex = "|".join(InfoModule.values)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(ModuleConverter, "module")

app_name = "infocenter"
urlpatterns = [
    path("", hub.HubView.as_view(), name="hub"),
    # bulk data in and out
    path("imports/", imports.ImportListView.as_view(), name="import-list"),
    path("imports/new/", imports.ImportCreateView.as_view(), name="import-create"),
    path("imports/template.csv", imports.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/mapping/", imports.ImportMappingView.as_view(), name="import-mapping"),
    path("imports/<int:pk>/progress/", imports.ImportProgressView.as_view(), name="import-progress"),
    path("imports/<int:pk>/errors.csv", imports.ImportErrorsView.as_view(), name="import-errors"),
    path("records/", imports.RecordListView.as_view(), name="record-list"),
    path("records/firm/<int:pk>/", imports.FirmRecordListView.as_view(), name="firm-records"),
    path("api-tokens/", api_tokens.ApiTokenListView.as_view(), name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", api_tokens.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
    # the centre's pages
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
    path("notifications/settings/", notifications.NotificationSettingsView.as_view(), name="notification-settings"),
    path("notifications/read-all/", notifications.NotificationsReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/<int:pk>/", notifications.NotificationOpenView.as_view(), name="notification-open"),
    path("alerts/", notifications.AlertsView.as_view(), name="alerts"),
    path("alerts/<int:pk>/ack/", notifications.AlertAcknowledgeView.as_view(), name="alert-ack"),
    # last: /hub/<module>/ for the six information modules
    path("<module:module>/", publications.ModuleView.as_view(), name="module"),
]
