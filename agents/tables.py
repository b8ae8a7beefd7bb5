"""The register of a cluster's member firms as one django-tables2 table, shared by the finance
company's, the institutions' and the investors' portals: each firm links to its dossier in the
centre, the table sorts by name, industry, size and joining date and pages through the members
(the database does the sorting and the paging, so a page costs the same for 40 members or 10,000).

``firm_search`` is the one filter the three portals' search forms apply (name, credit code,
industry code or industry name)."""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from .choices import SizeClass
from .industries import DIVISIONS, SECTIONS, industry_name
from .models import ClusterMembership

FIRMS_PER_PAGE = 25
# small → large, so "size" sorts by the official classes rather than by their codes
SIZE_RANK = {SizeClass.MICRO: 1, SizeClass.SMALL: 2, SizeClass.MEDIUM: 3, SizeClass.LARGE: 4}
# only the finance company sees its members' profile figures; the public register hides them
PROFILE_COLUMNS = ("employees", "revenue", "founded")


def firm_search(firms: QuerySet, q: str) -> QuerySet:
    """Firms whose name or unified social credit code contains ``q``, or whose industry code
    starts with it, or whose industry (GB/T 4754 division or section) is named by it."""
    q = (q or "").strip()
    if not q:
        return firms
    match = Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(industry_code__istartswith=q)
    # a name of an industry ("金属制品") stands for its codes: a few dozen prefixes at most
    codes = [code for code, name in (*DIVISIONS.items(), *SECTIONS.items()) if q in name]
    for code in codes:
        match |= Q(industry_code__istartswith=code)
    return firms.filter(match)


def with_joined_on(firms: QuerySet, cluster) -> QuerySet:
    """``joined_on``: the day each firm joined ``cluster`` (a correlated lookup on the unique
    (cluster, agent) membership index)."""
    joined = ClusterMembership.objects.filter(cluster=cluster, agent=OuterRef("pk")).values("joined_on")[:1]
    return firms.annotate(joined_on=Subquery(joined))


class IndustryColumn(tables.Column):
    def render(self, value):
        name = industry_name(value)
        return f"{value} {name}" if name else value


class FirmTable(tables.Table):
    """Member firms of a cluster: name (to the dossier), credit code, industry, size, joining
    date; with ``exclude=PROFILE_COLUMNS`` for the public register."""

    name = tables.LinkColumn("infocenter:dossier", args=[tables.A("pk")], verbose_name=_("Firm"),
                             order_by=("name", "pk"), attrs={"a": {"data-testid": "firm-link"}})
    credit_code = tables.Column(verbose_name=_("Unified social credit code"), orderable=False)
    industry_code = IndustryColumn(verbose_name=_("Industry"), order_by=("industry_code", "name", "pk"))
    size_class = tables.Column(verbose_name=_("Size"))
    joined_on = tables.DateColumn(verbose_name=_("Joined"), format="Y-m-d", order_by=("joined_on", "name", "pk"))
    employees = tables.Column(accessor="enterprise_profile__employees", verbose_name=_("Employees"),
                              orderable=False, attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    revenue = tables.TemplateColumn("{% load money %}{{ value|wan }}", accessor="enterprise_profile__annual_revenue",
                                    verbose_name=_("Revenue"), orderable=False,
                                    attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    founded = tables.DateColumn(accessor="enterprise_profile__founded_on", format="Y", verbose_name=_("Founded"),
                                orderable=False)

    class Meta:
        template_name = "django_tables2/bootstrap5.html"
        attrs = {"class": "table table-sm table-hover bg-white", "data-testid": "firm-table"}
        empty_text = _("No member firm found.")
        order_by = ("name",)
        fields = ("name", "credit_code", "industry_code", "size_class", "joined_on")
        sequence = ("name", "credit_code", "industry_code", "size_class", "joined_on", "employees", "revenue",
                    "founded")

    def order_size_class(self, queryset, is_descending):
        rank = Case(*[When(size_class=k, then=Value(v)) for k, v in SIZE_RANK.items()], default=Value(0),
                    output_field=IntegerField())
        queryset = queryset.annotate(size_rank=rank).order_by(
            *(f"-{f}" if is_descending else f for f in ("size_rank", "name", "pk")))
        return queryset, True


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (a register's stored member count) instead of
    counting them."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def firm_table(firms: QuerySet, *, cluster, request, public: bool, per_page: int = FIRMS_PER_PAGE,
               count: int | None = None) -> FirmTable:
    """The page of ``firms`` (already restricted and searched) that ``request`` asks for, sorted by
    its ``sort`` parameter (an unknown column is ignored, a page past the end shows the last).
    ``count``: how many ``firms`` there are, when the caller knows it (a stored summary), so the
    page costs the same for a cluster of a million members."""
    table = FirmTable(with_joined_on(firms, cluster), exclude=PROFILE_COLUMNS if public else ())
    paginate = {"per_page": per_page}
    if count is not None:
        paginate.update(paginator_class=CountedPaginator, count=count)
    tables.RequestConfig(request, paginate=paginate).configure(table)
    return table
