from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [path("", views.InstitutionPortalView.as_view(), name="portal")]
