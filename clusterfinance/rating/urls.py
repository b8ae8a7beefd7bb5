from django.urls import path

from . import views

app_name = "rating"
urlpatterns = [
    path("", views.MemberRatingListView.as_view(), name="list"),
    path("mine/", views.MyRatingView.as_view(), name="mine"),
    path("firm/<int:pk>/", views.FirmRatingView.as_view(), name="detail"),
    path("firm/<int:pk>/rerate/", views.RerateView.as_view(), name="rerate"),
    path("scorecard/", views.VersionListView.as_view(), name="versions"),
    path("scorecard/<int:pk>/", views.VersionDetailView.as_view(), name="version"),
    path("scorecard/<int:pk>/edit/", views.VersionEditView.as_view(), name="version-edit"),
    path("monitoring/", views.MonitoringView.as_view(), name="monitoring"),
]
