from django.urls import path

from . import views

# included by clusterfinance/urls.py under "schemes/adviser/" in the app's namespace
urlpatterns = [
    path("", views.FirmAdviserView.as_view(), name="adviser"),
    path("advise/", views.StaffAdviserView.as_view(), name="adviser-staff"),
]
