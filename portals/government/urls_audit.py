from django.urls import path

from .views import audit

urlpatterns = [
    path("audit/", audit.AuditLogView.as_view(), name="audit"),
    path("audit/verify/", audit.AuditVerifyView.as_view(), name="audit-verify"),
]
