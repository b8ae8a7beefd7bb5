from django.urls import path

from . import views

# included by clusterfinance/urls.py under "schemes/rotating/" in the app's namespace
urlpatterns = [
    path("", views.FundListView.as_view(), name="rotating-funds"),
    path("mine/", views.MyFundsView.as_view(), name="rotating-mine"),
    path("<int:pk>/", views.FundDetailView.as_view(), name="rotating-detail"),
    path("<int:pk>/join/", views.FundJoinView.as_view(), name="rotating-join"),
]
