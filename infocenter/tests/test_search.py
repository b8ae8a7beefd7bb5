"""Search across modules: Chinese and English, through restrict(); on PostgreSQL trigram
similarity also finds a word with a typo and ranks the closest first."""

import pytest
from django.db import connection

from infocenter.search import search
from infocenter.services import publication_create, report_decide, report_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    author = world.users["enterprise"]
    publication_create(subject=world.firm, author=author, category="certifications",
                       title="Quality management certification ISO 9001", visibility="public")
    publication_create(subject=world.firm, author=author, category="major_events",
                       title="永康五金新厂房竣工投产", body="自动化冲压线", visibility="members")
    publication_create(subject=world.firm, author=author, category="orders_capacity",
                       title="冲压件在手订单", visibility="consent")
    report = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution"],
                         category="late_payment", title="冲压模具款逾期", evidence="逾期 30 天")
    return report


def test_every_module_and_reports_with_their_visibility(world, items):
    assert [p.title for p in search(None, "冲压")["publications"]] == []  # nothing public matches
    member = search(world.users["investor"], "冲压")
    assert [p.title for p in member["publications"]] == ["永康五金新厂房竣工投产"]
    assert member["reports"] == []  # unverified: not for other members
    report_decide(report=items, decided_by=world.users["finance"], status="verified")
    assert [r.title for r in search(world.users["investor"], "冲压")["reports"]] == ["冲压模具款逾期"]
    assert len(search(world.users["government"], "冲压")["publications"]) == 2
    assert search(world.users["investor"], "冲压", module="government")["total"] == 0


def test_several_words_must_all_match(world, items):
    assert search(world.users["investor"], "永康 冲压")["publications"][0].title == "永康五金新厂房竣工投产"
    assert search(world.users["investor"], "永康 模具")["publications"] == []
    assert [p.title for p in search(None, "iso quality")["publications"]] == [
        "Quality management certification ISO 9001"]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (pg_trgm)")
def test_trigram_similarity_tolerates_a_typo_on_postgresql(world, items):
    titles = [p.title for p in search(None, "certifcation")["publications"]]
    assert titles == ["Quality management certification ISO 9001"]


def test_a_null_character_in_the_query_is_ignored(world, items, client_for):
    assert client_for("investor").get("/hub/search/?q=%E6%B0%B8%00%E5%BA%B7").status_code == 200
