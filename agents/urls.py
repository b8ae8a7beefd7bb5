from django.urls import path

from . import views

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("portal/", views.PortalHomeView.as_view(), name="portal-home"),
    path("register/", views.RegistrationView.as_view(), name="register"),
    path("register/pending/", views.RegistrationPendingView.as_view(), name="registration-pending"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("invite/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("approvals/<int:pk>/decide/", views.ApprovalDecideView.as_view(), name="approval-decide"),
]
