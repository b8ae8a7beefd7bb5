from django.urls import path

from . import views

# included by clusterfinance/urls.py under "schemes/shareholdings/" in the app's namespace
urlpatterns = [
    path("", views.ShareholdingsView.as_view(), name="shareholdings"),
]
