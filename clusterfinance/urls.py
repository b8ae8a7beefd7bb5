from django.urls import include, path

from . import views
from .dashboard import views as dashboard
from .rating import views_training

app_name = "clusterfinance"
urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="portal"),
    path("members/", views.FinancePortalView.as_view(), name="members"),
    path("dashboard/loans/", dashboard.FigureLoansView.as_view(), name="dashboard-loans"),
    path("pool/", include("clusterfinance.pool.urls")),
    path("guarantees/", include("clusterfinance.guarantees.urls")),
    path("allocation/", include("clusterfinance.allocation.urls")),
    path("sanctions/", include("clusterfinance.sanctions.urls")),
    path("rating/", include("clusterfinance.rating.urls")),
    path("schemes/groups/", include("clusterfinance.schemes.group_loans.urls")),
    path("schemes/bonds/", include("clusterfinance.schemes.collective_bond.urls")),
    path("schemes/shareholdings/", include("clusterfinance.schemes.cross_shareholding.urls")),
    path("simulation/", include("clusterfinance.simulation.urls")),
    path("schemes/rotating/", include("clusterfinance.schemes.rotating_fund.urls")),
    path("schemes/adviser/", include("clusterfinance.schemes.adviser.urls")),
    # the statistical scorecard trainer (to move into the rating app's urls module once it has one)
    path("rating/training/", views_training.TrainingUploadView.as_view(), name="rating-training"),
    path("rating/training/<str:token>/", views_training.TrainingResultView.as_view(),
         name="rating-training-result"),
    path("rating/training/<str:token>/promote/", views_training.TrainingPromoteView.as_view(),
         name="rating-training-promote"),
    path("rating/training/<str:token>/discard/", views_training.TrainingDiscardView.as_view(),
         name="rating-training-discard"),
]
