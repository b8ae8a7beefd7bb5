"""Official SME size classes (工信部联企业〔2011〕300号)."""

from decimal import Decimal

import pytest

from portals.enterprises.classification import classify

W = Decimal(10000)


@pytest.mark.parametrize(
    ("industry", "employees", "revenue_wan", "expected"),
    [
        ("C33", 19, 5000, "micro"),  # industry: fewer than 20 people is micro whatever the revenue
        ("C33", 20, 300, "small"),
        ("C33", 299, 1999, "small"),
        ("C33", 300, 2000, "medium"),
        ("C33", 300, 1999, "small"),  # both thresholds must be reached
        ("C33", 1000, 40000, "large"),
        ("F51", 5, 1000, "small"),  # wholesale
        ("F51", 20, 5000, "medium"),
        ("F52", 9, 100, "micro"),  # retail
        ("G54", 300, 3000, "medium"),  # transport
        ("I65", 10, 50, "small"),  # software
        ("L72", 99, 0, "small"),  # other sectors: employees only
        ("L72", 100, 0, "medium"),
    ],
)
def test_size_class(industry, employees, revenue_wan, expected):
    assert classify(industry_code=industry, employees=employees, annual_revenue=Decimal(revenue_wan) * W) == expected
