from django.urls import include, path

from . import views
from .views import compliance as compliance_views
from .views import oversight

app_name = "government"
urlpatterns = [
    path("", oversight.OversightDashboardView.as_view(), name="portal"),
    path("registry/", views.GovernmentPortalView.as_view(), name="registry"),
    # oversight dashboard: drill-down, guarantee funds, exports, the LPR
    path("oversight/loans/", oversight.DrillDownLoansView.as_view(), name="oversight-loans"),
    path("oversight/guarantees/", oversight.GuaranteeOversightView.as_view(), name="oversight-guarantees"),
    path("oversight/report.xlsx", oversight.DashboardExcelView.as_view(), name="oversight-excel"),
    path("oversight/report.pdf", oversight.DashboardPdfView.as_view(), name="oversight-pdf"),
    path("lpr/", oversight.LprView.as_view(), name="lpr"),
    # compliance monitor
    path("compliance/", compliance_views.AlertListView.as_view(), name="compliance"),
    path("compliance/check/", compliance_views.CheckNowView.as_view(), name="compliance-check"),
    path("compliance/settings/", compliance_views.ComplianceSettingsView.as_view(), name="compliance-settings"),
    path("compliance/<int:pk>/", compliance_views.AlertDetailView.as_view(), name="compliance-alert"),
    path("compliance/<int:pk>/acknowledge/", compliance_views.AcknowledgeView.as_view(),
         name="compliance-acknowledge"),
    path("compliance/<int:pk>/resolve/", compliance_views.ResolveView.as_view(), name="compliance-resolve"),
    path("compliance/<int:pk>/assign/", compliance_views.AssignView.as_view(), name="compliance-assign"),
]

# support programmes, policy meetings and policies (their names join this namespace)
urlpatterns += [path("", include("portals.government.urls_programmes"))]
# the audit log viewer
urlpatterns += [path("", include("portals.government.urls_audit"))]
