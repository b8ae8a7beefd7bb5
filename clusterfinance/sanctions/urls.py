from django.urls import path

from . import views

# included by clusterfinance/urls.py under "sanctions/" in the app's namespace
urlpatterns = [
    path("", views.AppliedListView.as_view(), name="sanctions"),
    path("rules/", views.RulesView.as_view(), name="sanctions-rules"),
    path("rules/<int:pk>/", views.RuleDetailView.as_view(), name="sanctions-rule"),
]
