from django.urls import path

from . import views

app_name = "infocenter"
urlpatterns = [path("", views.HubView.as_view(), name="hub")]
