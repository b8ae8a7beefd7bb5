"""Permission matrix rows for the finance company's pool and allocation pages."""

from . import Case, only


def _source(world):
    from clusterfinance.pool.services import fund_source_open

    return {"pk": fund_source_open(user=world.users["finance"], cluster=world.cluster, kind="member_deposit",
                                   counterparty=world.firm, annual_rate="0.02").pk}


def _run(world):
    from clusterfinance.allocation.models import AllocationRun

    return {"pk": AllocationRun.objects.create(cluster=world.cluster, prepared_by=world.users["finance_analyst"],
                                               result={"applications": [], "binding_constraints": []}).pk}


EXPECTED = {
    "clusterfinance:pool": Case(only("finance")),
    "clusterfinance:pool-sources": Case(only("finance")),
    "clusterfinance:pool-source": Case(only("finance"), kwargs=_source),
    "clusterfinance:pool-policy": Case(only("finance")),  # a manager (the matrix's finance user)
    "clusterfinance:allocation": Case(only("finance")),
    "clusterfinance:allocation-run": Case(only("finance"), kwargs=_run),
    "clusterfinance:allocation-compare": Case(only("finance", ok=404)),  # no runs given → 404
    "clusterfinance:allocation-priorities": Case(only("finance")),
}
