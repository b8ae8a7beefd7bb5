"""URLs of the support programmes, meetings and policies, included into ``government:`` by
``portals/government/urls.py`` (the names join its namespace)."""

from django.urls import path

from .views import meetings, programmes

urlpatterns = [
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programmes"),
    path("programmes/new/", programmes.ProgrammeCreateView.as_view(), name="programme-create"),
    path("programmes/<int:pk>/", programmes.ProgrammeDetailView.as_view(), name="programme-detail"),
    # the firm's side: open programmes, eligibility, its applications
    path("programmes/open/", programmes.FirmProgrammesView.as_view(), name="programmes-firm"),
    path("programmes/<int:pk>/apply/", programmes.ProgrammeApplyView.as_view(), name="programme-apply"),
    # the lender's side: risk-compensation claims
    path("programmes/claims/", programmes.LenderProgrammesView.as_view(), name="programmes-lender"),
    path("programmes/<int:pk>/claim/", programmes.ProgrammeClaimView.as_view(), name="programme-claim"),
    path("meetings/", meetings.MeetingListView.as_view(), name="meetings"),
    path("meetings/<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting-detail"),
    path("invitations/", meetings.InvitationListView.as_view(), name="meeting-invitations"),
    path("policies/", meetings.PolicyListView.as_view(), name="policies"),
]
