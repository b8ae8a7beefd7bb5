from django.urls import path

from . import views

app_name = "investors"
urlpatterns = [
    path("", views.InvestorPortalView.as_view(), name="portal"),
    path("suitability/", views.SuitabilityView.as_view(), name="suitability"),
    path("opportunities/", views.OpportunityListView.as_view(), name="opportunities"),
    path("opportunities/<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity"),
    path("opportunities/<int:pk>/confirm/", views.OpportunityConfirmView.as_view(), name="confirm"),
    path("portfolio/", views.PortfolioView.as_view(), name="portfolio"),
    path("portfolio/statement.xlsx", views.PortfolioExportView.as_view(), name="portfolio-export"),
    path("holdings/<int:pk>/", views.HoldingDetailView.as_view(), name="holding"),
    path("holdings/<int:pk>/cancel/", views.HoldingCancelView.as_view(), name="holding-cancel"),
]
