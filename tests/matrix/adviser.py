"""Permission matrix rows for the financing adviser (/finance/schemes/adviser/)."""

from . import Case, only

EXPECTED = {
    "clusterfinance:adviser": Case(only("enterprise")),
    "clusterfinance:adviser-staff": Case(only("finance")),
}
