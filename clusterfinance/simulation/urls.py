from django.urls import path

from . import views

urlpatterns = [path("", views.SimulationView.as_view(), name="simulation")]
