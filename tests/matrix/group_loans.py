"""Permission matrix rows for the joint-liability loan groups (/finance/schemes/groups/)."""

from . import Case, only


def _group(world):
    from clusterfinance.schemes.group_loans.models import GroupMember, LoanGroup

    group = LoanGroup.objects.create(finance_company=world.finance_company, name="矩阵互助组", founder=world.firm)
    GroupMember.objects.create(group=group, firm=world.firm, position=1, status="accepted", controller="张三")
    return {"pk": group.pk}


EXPECTED = {
    "clusterfinance:groups": Case(only("finance")),
    "clusterfinance:groups-mine": Case(only("enterprise")),
    "clusterfinance:group-policy": Case(only("finance")),  # its staff read it; a manager (the matrix's) changes it
    "clusterfinance:group-detail": Case(only("enterprise", "finance"), kwargs=_group),
}
