"""Permission matrix rows of the government's oversight dashboard and compliance monitor:
the government only (another government's alert answers 404: see
portals/government/tests/test_oversight_views.py)."""

from decimal import Decimal

from . import Case, only


def _alert(world):
    from portals.government.models_oversight import ComplianceAlert

    alert, _ = ComplianceAlert.objects.get_or_create(
        government=world.gov, rule="ledger", subject_key="ledger",
        defaults={"subject_label": "ledger", "measured": Decimal(1), "threshold": Decimal(0), "unit": "count"})
    return {"pk": alert.pk}


_POST_ONLY = only("government", ok=405)

EXPECTED = {
    "government:registry": Case(only("government")),
    "government:oversight-loans": Case(only("government"), query="?lender_kind=institution&par=30"),
    "government:oversight-guarantees": Case(only("government")),
    "government:oversight-excel": Case(only("government")),
    "government:oversight-pdf": Case(only("government")),
    "government:lpr": Case(only("government")),
    "government:compliance": Case(only("government"), query="?status=all"),
    "government:compliance-check": Case(_POST_ONLY),
    "government:compliance-settings": Case(only("government")),
    "government:compliance-alert": Case(only("government"), kwargs=_alert),
    "government:compliance-acknowledge": Case(_POST_ONLY, kwargs=_alert),
    "government:compliance-resolve": Case(_POST_ONLY, kwargs=_alert),
    "government:compliance-assign": Case(_POST_ONLY, kwargs=_alert),
}
