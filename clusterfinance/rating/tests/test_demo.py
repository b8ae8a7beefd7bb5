"""The demo's rating history: a year of monthly ratings, the fall after verified reports, a rise."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from agents.choices import Role
from agents.models import Membership
from clusterfinance.rating.models import Rating


@pytest.mark.django_db
def test_demo_has_a_year_of_ratings_a_fall_and_a_rise(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    line = next(t for t in text.splitlines() if t.strip().startswith("rating:"))
    print(line)
    months = {r.strftime("%Y-%m") for r in Rating.objects.filter(trigger="demo").values_list("rated_at", flat=True)}
    assert len(months) >= 12
    story = line.split(" after verified")[0].split("firms over 12 months; ")[1]
    before, after = story.rsplit(" ", 3)[-3], story.rsplit(" ", 1)[-1]
    from agents.choices import grade_rank
    assert grade_rank(after) > grade_rank(before), line
    assert "0 firms rose" not in line
    manager = Membership.objects.filter(role=Role.FC_MANAGER).first().user
    client.force_login(manager)
    page = client.get(reverse("clusterfinance:rating:monitoring")).content.decode()
    assert 'data-testid="migration"' in page and 'data-testid="backtest"' in page
