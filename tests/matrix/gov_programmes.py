"""Permission matrix rows for the government's support programmes, policy meetings and policies
(/gov/programmes/, /gov/meetings/, /gov/invitations/, /gov/policies/). Other governments' and
other firms' ids answer 404: portals/government/tests/test_programmes_pages.py."""

from datetime import date

from . import Case, only


def _programme(world, kind="interest_subsidy"):
    from portals.government import services_programmes

    return services_programmes.programme_create(
        user=world.users["government"], government=world.gov, kind=kind, title="贴息", share="0.3",
        period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))


def _subsidy(world):
    return {"pk": _programme(world).pk}


def _fund(world):
    return {"pk": _programme(world, "risk_compensation").pk}


def _meeting(world):
    from portals.government import services_meetings

    return {"pk": services_meetings.meeting_schedule(
        user=world.users["government"], government=world.gov, title="座谈会", starts_at="2026-12-15 14:30",
        place="会议室", agenda="议程").pk}


_GOV = only("government")
_FIRM = only("enterprise")
_LENDERS = only("finance", "institution")

EXPECTED = {
    "government:programmes": Case(_GOV),
    "government:programme-create": Case(_GOV),
    "government:programme-detail": Case(_GOV, kwargs=_subsidy),
    "government:programmes-firm": Case(_FIRM),
    "government:programme-apply": Case(_FIRM, kwargs=_subsidy),
    "government:programmes-lender": Case(_LENDERS),
    "government:programme-claim": Case(_LENDERS, kwargs=_fund),
    "government:meetings": Case(_GOV),
    "government:meeting-detail": Case(_GOV, kwargs=_meeting),
    "government:meeting-invitations": Case(_FIRM),
    "government:policies": Case(_GOV),
}
