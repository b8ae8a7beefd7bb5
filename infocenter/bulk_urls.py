"""URLs of bulk data in and out (imports, records, API tokens), included by ``infocenter.urls``
under the ``infocenter`` namespace (/hub/…)."""

from django.urls import path

from .api import pages as api_pages
from .imports import views

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/new/", views.ImportCreateView.as_view(), name="import-create"),
    path("imports/template.csv", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/mapping/", views.ImportMappingView.as_view(), name="import-mapping"),
    path("imports/<int:pk>/progress/", views.ImportProgressView.as_view(), name="import-progress"),
    path("imports/<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="import-errors"),
    path("records/", views.RecordListView.as_view(), name="record-list"),
    path("records/firm/<int:pk>/", views.FirmRecordListView.as_view(), name="firm-records"),
    path("api-tokens/", api_pages.ApiTokenListView.as_view(), name="api-tokens"),
    path("api-tokens/<int:pk>/revoke/", api_pages.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
]
