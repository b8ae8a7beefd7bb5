from django.urls import path

from . import views

app_name = "clusterfinance"
urlpatterns = [path("", views.FinancePortalView.as_view(), name="portal")]
