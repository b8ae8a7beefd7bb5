"""Permission matrix rows for the finance company's dashboard, its drill-down lists and the member register."""

from . import Case, only

EXPECTED = {
    "clusterfinance:members": Case(only("finance")),
    "clusterfinance:dashboard-loans": Case(only("finance")),
}
