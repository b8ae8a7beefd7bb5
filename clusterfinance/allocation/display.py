"""How an allocation run's disclosure reads on the centre's hub: the parameters, the totals, each
application's outcome and the binding constraints as labelled, formatted rows (registered with
``infocenter.data_display`` from ``ClusterFinanceConfig.ready()``; the category is shared with
the loan record disclosures, whose keys the layout does not name and which read as before)."""

from django.utils.translation import gettext_lazy as _

from infocenter.choices import Category
from infocenter.data_display import DataField, data_layout_register

RUN_LAYOUT = (
    DataField("run", _("Allocation run"), "count"),
    DataField("pool", _("Pool"), "yuan"),
    DataField("lent", _("Lent"), "yuan"),
    DataField("disbursed", _("Amount disbursed"), "yuan"),
    DataField("funded_count", _("Applications funded"), "count"),
    DataField("objective", _("Expected risk-adjusted return a year"), "yuan"),
    DataField("reserve_floor", _("Reserve floor"), "percent"),
    DataField("single_borrower_cap", _("Single-borrower cap"), "percent"),
    DataField("industry_cap", _("Industry cap"), "percent"),
    DataField("min_grade", _("Minimum grade")),
    DataField("lgd", _("Loss given default"), "percent"),
    DataField("partial_allowed", _("Partial funding allowed")),
    DataField("deposit_months", _("Months a deposit or government fund is counted on"), "count"),
    DataField("applications", _("Applications"), "table", columns=(
        DataField("application", _("Application")),
        DataField("firm", _("Firm")),
        DataField("industry", _("Industry")),
        DataField("grade", _("Grade")),
        DataField("asked", _("Asked"), "yuan"),
        DataField("funded", _("Funded"), "yuan"),
        DataField("outcome", _("Outcome")),
    )),
    DataField("binding_constraints", _("Binding constraints"), "table", columns=(
        DataField("constraint", _("Constraint")),
        DataField("subject", _("Subject")),
        DataField("per_room", _("A year more for ¥10,000 more room"), "yuan"),
    )),
)


def display_register() -> None:
    data_layout_register(Category.LOAN_DISCLOSURE, RUN_LAYOUT)
