from django.urls import path

from . import views

# included by clusterfinance/urls.py under "schemes/bonds/" in the app's namespace
urlpatterns = [
    path("", views.IssueListView.as_view(), name="bonds"),
    path("market/", views.MarketView.as_view(), name="bonds-market"),
    path("<int:pk>/", views.IssueDetailView.as_view(), name="bond-detail"),
    path("<int:pk>/defaults/<int:default_pk>/recover/", views.RecoveryView.as_view(), name="bond-recover"),
]
