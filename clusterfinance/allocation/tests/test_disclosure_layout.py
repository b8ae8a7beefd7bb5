"""An executed run's disclosure on the hub: labelled rows (parameters as percentages, totals in
yuan, each application's outcome in words, the binding constraints with what more room would
earn), firms by number only for members and by name for the government; a run's page tells
what a what-if changed."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from clusterfinance.allocation.selectors import REASON_TEXT
from clusterfinance.allocation.services import allocation_run_decide, allocation_run_execute, allocation_run_prepare
from infocenter.data_display import data_rows
from infocenter.models import Publication

from .test_runs import PARAMS, fund, queue

pytestmark = pytest.mark.django_db
D = Decimal


def executed_run(world):
    fund(world)
    queue(world)
    # the 30,000 application is over a 25 % single-borrower cap of the 100,000 pool: cut, binding
    run = allocation_run_prepare(user=world.users["finance_analyst"], cluster=world.cluster,
                                 **{**PARAMS, "single_borrower_cap": "0.25", "partial_allowed": True})
    allocation_run_decide(user=world.users["finance"], run=run, approve=True)
    run.refresh_from_db()
    return allocation_run_execute(user=world.users["finance_analyst"], run=run)


def test_the_disclosure_reads_as_labelled_rows_without_firms_names_for_members(world):
    run = executed_run(world)
    members = Publication.objects.get(key=f"allocation-run-{run.pk}")
    named = Publication.objects.get(key=f"allocation-run-{run.pk}-named")
    rows = {str(r["label"]): r for r in data_rows(members.category, members.data)}
    assert rows["Single-borrower cap"]["format"] == "percent" and rows["Single-borrower cap"]["value"] == D("0.25")
    assert rows["Lent"]["format"] == "yuan" and rows["Lent"]["value"] == D(run.result["lent"])
    apps = rows["Applications"]
    assert apps["format"] == "table" and len(apps["rows"]) == 2
    outcomes = {str(cells[-1]["value"]) for cells in apps["rows"]}
    with translation.override("zh-hans"):  # the disclosure is written in Chinese
        expected = {_("%(outcome)s · disbursed") % {"outcome": _("funded in full")},
                    str(REASON_TEXT["single_borrower_cap"])}
    assert outcomes == expected
    binding = [b for b in members.data["binding_constraints"] if b["constraint"] == "single_borrower_cap"]
    assert binding and all(D(b["per_room"]) > 0 for b in binding)
    # members read a firm by its number; the government by its name
    for firm in (world.firm, world.other_firm):
        assert firm.name not in str(members.data)
    assert world.other_firm.name in str(named.data["binding_constraints"])
    assert "parameters" not in members.data  # every parameter is its own labelled row


def test_compare_page_says_what_changed(world, client_for):
    fund(world)
    queue(world)
    analyst = world.users["finance_analyst"]
    a = allocation_run_prepare(user=analyst, cluster=world.cluster, **PARAMS)
    b = allocation_run_prepare(user=analyst, cluster=world.cluster, based_on=a,
                               **{**PARAMS, "single_borrower_cap": "0.2", "min_grade": "BBB"})
    page = client_for("finance").get(reverse("clusterfinance:allocation-compare") + f"?a={a.pk}&b={b.pk}")
    changes = page.context["changes"]
    assert [(c["left"], c["right"]) for c in changes] == [("100%", "20%"), ("—", "BBB")]
    assert page.context["objective_delta"]["down"] is True
    assert 'data-testid="what-changed"' in page.content.decode()
