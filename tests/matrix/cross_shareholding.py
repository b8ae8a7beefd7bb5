"""Permission matrix rows for the regional bank model's page (/finance/schemes/shareholdings/)."""

from . import Case, only

EXPECTED = {
    "clusterfinance:shareholdings": Case(only("finance", "institution")),
}
