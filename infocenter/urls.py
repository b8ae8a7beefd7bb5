from django.urls import path

from . import bulk_urls, hub_urls, views

app_name = "infocenter"
urlpatterns = [path("", views.HubView.as_view(), name="hub")]
urlpatterns += bulk_urls.urlpatterns  # imports, records, API tokens (bulk data in and out)
urlpatterns += hub_urls.urlpatterns  # modules, publications, reports, consent, dossier, … (core)
