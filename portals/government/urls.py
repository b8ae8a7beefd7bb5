from django.urls import path

from . import views

app_name = "government"
urlpatterns = [path("", views.GovernmentPortalView.as_view(), name="portal")]
