"""The monthly platform disclosure's structured data reads as a labelled table: amounts in 万元,
ratios as percentages, in the reader's language, never the raw keys."""

import re
from datetime import date

import pytest
from django.urls import reverse

from clusterfinance import disclosure
from lending.tests.factories import make_loan, pay


@pytest.fixture
def monthly(world):
    loan = make_loan(world, lender="finance", amount="455500.00", periods=12, rate="0.12", start=date(2026, 1, 15))
    pay(world, loan, "40470.29", date(2026, 2, 15))
    return disclosure.monthly_disclosure_publish(cluster=world.cluster, period="2026-04")


def _data_table(client, publication, language: str) -> str:
    page = client.get(reverse("infocenter:publication-detail", args=[publication.pk]),
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    match = re.search(r'<table[^>]*data-testid="publication-data".*?</tbody></table>\s*(?=<|$)', page, re.S)
    assert match, "the structured data table is on the page"
    return match.group(0)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_monthly_disclosure_shows_labelled_formatted_figures(client, monthly, language):
    table = _data_table(client, monthly, language)  # public: read anonymously
    assert "万元" in table and "%" in table
    assert "45.55 万元" in table  # cumulative lending 455,500.00 yuan
    assert "100.00%" in table  # the only borrower holds the whole balance
    assert re.search(r">\s*0\s*<", table)  # no loan made in April: a count of 0, not a blank
    snake_case = [key for key in monthly.data if "_" in key]
    assert "outstanding_amount" in snake_case
    for key in snake_case:
        assert key not in table
    assert "{" not in table and "45550000" not in table  # no Python dict, no raw amount


def test_labels_are_in_the_readers_language(client, monthly):
    table = _data_table(client, monthly, "en")
    assert "Outstanding balance" in table and "Top-10 borrowers" in table and "Share of the balance" in table


def test_other_publications_keep_their_raw_data(client, world):
    from infocenter.choices import Category, Visibility
    from infocenter.services.publications import publication_create

    pub = publication_create(subject=world.firm, category=Category.BUSINESS_RECORD, title="年报",
                             data={"employees": 12}, visibility=Visibility.PUBLIC)
    table = _data_table(client, pub, "en")
    assert "employees" in table and "12" in table
