from django.urls import path

from . import views

# included by clusterfinance/urls.py under "pool/" in the app's namespace
urlpatterns = [
    path("", views.LiquidityView.as_view(), name="pool"),
    path("sources/", views.SourceListView.as_view(), name="pool-sources"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="pool-source"),
    path("policy/", views.PolicyView.as_view(), name="pool-policy"),
]
