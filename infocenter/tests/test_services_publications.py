"""Publishing, corrections (a new version, history readable), retractions (visible as such),
drafts, attachments, and the disclosure key that makes a scheduled publication idempotent."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from infocenter.models import Event, Publication
from infocenter.services import (
    publication_correct,
    publication_create,
    publication_publish,
    publication_retract,
    publication_update_draft,
)

pytestmark = pytest.mark.django_db


def _statement(world, **kwargs):
    defaults = {"subject": world.firm, "author": world.users["enterprise"], "category": "financial_statements",
                "title": "2025 年度财务报表", "body": "营业收入 1,200 万元", "data": {"revenue": "12000000.00"},
                "visibility": "members", "period": "2025"}
    return publication_create(**(defaults | kwargs))


def test_publishing_writes_the_item_and_an_event_in_the_same_transaction(world):
    pub = _statement(world)
    assert pub.status == "published" and pub.module == "enterprise" and pub.version == 1 and pub.is_current
    event = Event.objects.get(kind="publication.published")
    assert event.payload["publication_id"] == pub.pk and event.subject_agent == world.firm
    assert event.actor == world.users["enterprise"] and event.agent_ids == [world.firm.pk]


def test_a_correction_is_a_new_version_and_the_history_stays_readable(world):
    v1 = _statement(world)
    v2 = publication_correct(publication=v1, author=world.users["enterprise"], correction_note="收入单位更正",
                             body="营业收入 1,250 万元", data={"revenue": "12500000.00"})
    v1.refresh_from_db()
    assert (v2.version, v2.lineage, v2.previous_id, v2.is_current) == (2, v1.lineage, v1.pk, True)
    assert not v1.is_current and v1.body == "营业收入 1,200 万元"  # the old text is kept
    assert v2.title == v1.title and v2.period == "2025" and v2.correction_note == "收入单位更正"
    # Other readers see both versions in the history; lists show only the current one.
    reader = world.users["investor"]
    history = list(Publication.objects.restrict(reader).filter(lineage=v1.lineage).order_by("version"))
    assert [p.version for p in history] == [1, 2]
    assert list(Publication.objects.restrict(reader).filter(lineage=v1.lineage, is_current=True)) == [v2]
    assert Event.objects.filter(kind="publication.corrected", payload__version=2).count() == 1


def test_an_old_version_cannot_be_corrected_again(world):
    v1 = _statement(world)
    publication_correct(publication=v1, author=world.users["enterprise"], correction_note="更正")
    with pytest.raises(ValidationError, match="not the current version"):
        publication_correct(publication=v1, author=world.users["enterprise"], correction_note="再次更正")


def test_a_correction_must_say_what_was_corrected(world):
    v1 = _statement(world)
    with pytest.raises(ValidationError):
        publication_correct(publication=v1, author=world.users["enterprise"], correction_note="  ")
    assert Publication.objects.filter(lineage=v1.lineage).count() == 1


def test_a_retraction_stays_visible_marked_with_its_reason(world, client_for):
    pub = _statement(world)
    publication_retract(publication=pub, author=world.users["enterprise"], reason="报表未经审计，撤回")
    pub.refresh_from_db()
    assert pub.status == "retracted" and pub.retracted_at and pub.is_current
    page = client_for("investor").get(f"/hub/p/{pub.pk}/")
    assert page.status_code == 200
    assert "报表未经审计，撤回" in page.content.decode()
    assert 'data-testid="retraction-notice"' in page.content.decode()
    listing = client_for("investor").get("/hub/enterprise/").content.decode()
    assert "2025 年度财务报表" in listing and 'data-testid="retracted"' in listing
    with pytest.raises(ValidationError):
        publication_correct(publication=pub, author=world.users["enterprise"], correction_note="x")
    with pytest.raises(ValidationError):
        publication_retract(publication=pub, author=world.users["enterprise"], reason="again")


def test_only_people_of_the_subject_publish_about_it_and_only_in_their_kinds_categories(world):
    with pytest.raises(PermissionDenied):
        _statement(world, author=world.users["institution"])
    with pytest.raises(ValidationError):
        _statement(world, category="policy")  # a firm does not publish government policies
    with pytest.raises(PermissionDenied):
        publication_correct(publication=_statement(world), author=world.users["investor"], correction_note="x")
    assert Publication.objects.count() == 1


def test_given_kinds_needs_at_least_one_kind(world):
    with pytest.raises(ValidationError):
        _statement(world, visibility="kinds", audience_kinds=())
    pub = _statement(world, visibility="kinds", audience_kinds=["institution", "investor"])
    assert pub.audience_kinds == ",institution,investor," and pub.audience_kinds_list == ["institution", "investor"]


def test_a_draft_is_edited_in_place_then_published(world):
    draft = _statement(world, publish=False)
    assert draft.status == "draft" and draft.published_at is None
    assert not Event.objects.exists()
    draft = publication_update_draft(publication=draft, author=world.users["enterprise"], title="2025 年报（草稿2）")
    assert draft.version == 1 and draft.title == "2025 年报（草稿2）"
    published = publication_publish(publication=draft, author=world.users["enterprise"])
    assert published.status == "published" and published.published_at
    assert Event.objects.filter(kind="publication.published").count() == 1
    with pytest.raises(ValidationError):
        publication_update_draft(publication=published, author=world.users["enterprise"], title="x")


def test_a_disclosure_key_makes_publishing_idempotent(world):
    """A scheduled disclosure run twice publishes once (unique subject, category, key)."""
    kwargs = {"subject": world.finance_company, "category": "platform_disclosure", "title": "2026 年 10 月平台信息披露",
              "data": {"outstanding": "12345678.90"}, "visibility": "public", "key": "2026-10"}
    first = publication_create(**kwargs)
    second = publication_create(**kwargs | {"title": "changed"})
    assert first.pk == second.pk and second.title == "2026 年 10 月平台信息披露"
    assert Publication.objects.filter(category="platform_disclosure").count() == 1
    assert Event.objects.filter(kind="publication.published").count() == 1
    # After a correction the key still returns the current version, not a new item.
    v2 = publication_correct(publication=first, author=None, correction_note="逾期金额更正")
    assert publication_create(**kwargs).pk == v2.pk
    # Another period is another publication.
    assert publication_create(**kwargs | {"key": "2026-11"}).pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_the_disclosure_key_is_enforced_by_the_database(world):
    from django.db import IntegrityError

    Publication.objects.create(subject=world.finance_company, publisher=world.finance_company,
                               category="loan_disclosure", title="a", key="loans-2026-10", status="published")
    with pytest.raises(IntegrityError):
        Publication.objects.create(subject=world.finance_company, publisher=world.finance_company,
                                   category="loan_disclosure", title="b", key="loans-2026-10", status="published")


def test_the_finance_company_discloses_records_about_a_member_through_a_system_call(world):
    pub = publication_create(subject=world.firm, publisher=world.finance_company, category="loan_disclosure",
                             title="贷款申请与审查结果", data={"amount": "500000.00"}, visibility="members",
                             key="loan-42")
    assert pub.publisher == world.finance_company and pub.subject == world.firm and pub.module == "business"
    with pytest.raises(PermissionDenied):  # a person cannot publish about another agent
        publication_create(subject=world.firm, publisher=world.finance_company, category="loan_disclosure",
                           title="x", author=world.users["finance"])


@pytest.mark.parametrize(("name", "content", "content_type", "ok"), [
    ("report.pdf", b"%PDF-1.7 data", "application/pdf", True),
    ("photo.png", b"\x89PNG\r\n\x1a\n....", "image/png", True),
    ("figures.csv", "期间,收入\n2025,1200\n".encode("gbk"), "text/csv", True),
    ("virus.exe", b"MZ\x90\x00", "application/octet-stream", False),
    ("renamed.pdf", b"MZ\x90\x00 not a pdf", "application/pdf", False),
    ("wrong-type.pdf", b"%PDF-1.7", "text/html", False),
    ("empty.txt", b"", "text/plain", False),
    ("binary.txt", b"abc\x00def", "text/plain", False),
])
def test_attachments_are_checked_by_type_and_content(world, name, content, content_type, ok):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    if ok:
        pub = _statement(world, attachment=upload)
        assert pub.attachment and pub.attachment_name == name
    else:
        with pytest.raises(ValidationError):
            _statement(world, attachment=upload)
        assert not Publication.objects.exists()


def test_an_attachment_over_10_mib_is_refused(world):
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ValidationError, match="too large"):
        _statement(world, attachment=upload)


def test_a_correction_keeps_the_attachment_unless_removed(world):
    v1 = _statement(world, attachment=SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf"))
    v2 = publication_correct(publication=v1, author=world.users["enterprise"], correction_note="正文更正")
    assert v2.attachment.name == v1.attachment.name and v2.attachment_name == "a.pdf"
    v3 = publication_correct(publication=v2, author=world.users["enterprise"], correction_note="删除附件",
                             remove_attachment=True)
    assert not v3.attachment


@pytest.mark.parametrize("kwargs", [{"title": "a\x00b"}, {"body": "a\x00b"}, {"data": {"a": "x\x00y"}},
                                    {"data": {"a\x00": 1}}, {"data": ["not", "an", "object"]}])
def test_null_characters_and_non_object_data_are_refused_clearly(world, kwargs):
    """PostgreSQL cannot store NUL: the service says so instead of failing in the database."""
    with pytest.raises(ValidationError) as exc:
        _statement(world, **kwargs)
    assert set(exc.value.message_dict) <= {"title", "body", "data"}
    assert not Publication.objects.exists()


def test_null_characters_in_reports_replies_and_consents_are_refused(world):
    from datetime import timedelta

    from django.utils import timezone

    from infocenter.services import consent_grant, report_file, report_reply

    with pytest.raises(ValidationError):
        report_file(reporter=world.bank, subject=world.firm, author=None, category="award", title="x\x00",
                    evidence="y")
    report = report_file(reporter=world.bank, subject=world.firm, author=None, category="award", title="x",
                         evidence="y")
    with pytest.raises(ValidationError):
        report_reply(report=report, author=None, text="\x00")
    with pytest.raises(ValidationError):
        consent_grant(grantor=world.firm, grantee=world.bank, granted_by=None, purpose="\x00",
                      valid_until=timezone.localdate() + timedelta(days=1))
