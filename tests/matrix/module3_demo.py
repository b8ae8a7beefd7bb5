"""Permission matrix rows for the guarantee fund's rules and the firms' capacities pages."""

from . import Case, only

EXPECTED = {
    "clusterfinance:guarantees-rules": Case(only("finance")),
    "clusterfinance:guarantees-capacities": Case(only("finance")),
}
