from django.urls import path

from . import views

app_name = "investors"
urlpatterns = [path("", views.InvestorPortalView.as_view(), name="portal")]
