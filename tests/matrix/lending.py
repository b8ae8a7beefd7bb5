"""Permission matrix rows for lending URLs (issue 3)."""

EXPECTED: dict = {}

# --- the lending admin (engine, issue 3) -------------------------------------------------------
# Lending's admin pages are read-only (the ledger is append-only; loans change only through the
# services), so adding and deleting answer 403 to the superuser instead of the usual 200 / 302.
from tests.matrix import Case, statuses  # noqa: E402

_READ_ONLY_ADMIN = ("account", "application", "bucketmove", "journalentry", "ledgeralert", "loan", "product",
                    "repayment")
for _model in _READ_ONLY_ADMIN:
    EXPECTED[f"admin:lending_{_model}_add"] = Case(statuses(302, superuser=403))
    EXPECTED[f"admin:lending_{_model}_delete"] = Case(statuses(302, superuser=403))
