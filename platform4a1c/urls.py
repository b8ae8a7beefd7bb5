"""Root URLs: the public pages, accounts, the five portals, the centre, lending and the API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("", include("agents.urls")),
    path("healthz/", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("enterprise/", include("portals.enterprises.urls")),
    path("finance/", include("clusterfinance.urls")),
    path("gov/", include("portals.government.urls")),
    path("institution/", include("portals.institutions.urls")),
    path("investor/", include("portals.investors.urls")),
    path("hub/", include("infocenter.urls")),
    path("lending/", include("lending.urls")),
    path("api/", include("infocenter.api.urls")),
]

handler404 = "agents.views.page_not_found"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
