from django.urls import path

from . import views

# included by clusterfinance/urls.py under "guarantees/" in the app's namespace
urlpatterns = [
    path("", views.FundView.as_view(), name="guarantees"),
    path("issue/", views.IssueView.as_view(), name="guarantees-issue"),
    path("claims/", views.ClaimsView.as_view(), name="guarantees-claims"),
    path("contributions/", views.ContributionsView.as_view(), name="guarantees-contributions"),
    path("network/", views.NetworkView.as_view(), name="guarantees-network"),
    path("rules/", views.RulesView.as_view(), name="guarantees-rules"),
    path("capacities/", views.CapacitiesView.as_view(), name="guarantees-capacities"),
]
