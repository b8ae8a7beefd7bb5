"""Permission matrix rows for the government's audit log viewer."""

from . import Case, only

EXPECTED = {
    "government:audit": Case(only("government")),
    "government:audit-verify": Case(only("government", ok=405)),  # POST only
}
