from django.urls import include, path

from . import views

app_name = "government"
urlpatterns = [path("", views.GovernmentPortalView.as_view(), name="portal")]

# support programmes, policy meetings and policies (their names join this namespace)
urlpatterns += [path("", include("portals.government.urls_programmes"))]
