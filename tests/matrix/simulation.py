"""Permission matrix rows for the simulation page (the finance company and the government)."""

from . import Case, only

EXPECTED = {
    # a small run (the page's defaults are small too); the query keeps the matrix quick
    "clusterfinance:simulation": Case(only("finance", "government"),
                                      query="?firms=40&months=12&seeds=1&seed=1&scenario=baseline&delay_months=0"),
}
