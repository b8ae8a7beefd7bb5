"""Permission matrix rows for the mutual guarantee fund and the guarantee network pages."""

from . import Case, only

EXPECTED = {
    "clusterfinance:guarantees": Case(only("finance")),
    "clusterfinance:guarantees-issue": Case(only("finance")),
    "clusterfinance:guarantees-claims": Case(only("finance")),
    "clusterfinance:guarantees-contributions": Case(only("finance")),
    "clusterfinance:guarantees-network": Case(only("finance")),
}
