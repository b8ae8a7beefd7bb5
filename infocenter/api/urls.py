"""/api/: the JSON API, its OpenAPI 3 schema and the interactive documentation."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import centre, views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves its start-up script as a file: the Content-Security-Policy allows no inline script
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("records/", views.FirmRecordListCreateView.as_view(), name="records"),
    path("imports/", views.ImportJobListView.as_view(), name="import-jobs"),
    path("imports/<int:pk>/", views.ImportJobDetailView.as_view(), name="import-job-detail"),
    path("publications/", centre.PublicationListCreateView.as_view(), name="publications"),
    path("reports/", centre.ReportListCreateView.as_view(), name="reports"),
]
