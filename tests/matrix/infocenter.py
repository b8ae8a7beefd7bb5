"""Permission matrix rows for the centre's URLs."""

from . import Case, members, only, public, statuses

EXPECTED = {
    "infocenter:hub": Case(public()),
}


# --- bulk data in and out: imports, records, API tokens, the JSON API -------------------------
def _import_job(world, *, rows=None, status="queued"):
    from infocenter.imports.services import import_job_create, import_job_run
    from infocenter.tests.bulk_helpers import csv_bytes, statement_rows, upload

    content = csv_bytes(rows or statement_rows([world.firm]))
    job = import_job_create(user=world.users["government"], agent=world.gov, kind="statement",
                            file=upload(content))
    if status == "failed":
        import_job_run(job_id=job.pk)
    return {"pk": job.pk}


def _mapping_job(world):
    return _import_job(world, rows=[["统一社会信用代码", "期间", "销售额", "利润"], [world.firm.credit_code, "2026Q1", "1", "1"]])


def _failed_job(world):
    return _import_job(world, rows=[["credit_code", "period", "revenue", "net_profit"], ["bad", "2026Q1", "1", "1"]],
                       status="failed")


def _api_token(world):
    from infocenter.api.tokens import api_token_create

    token, _key = api_token_create(user=world.users["government"], agent=world.gov, name="matrix")
    return {"pk": token.pk}


_IMPORTERS = only("government", "finance")
_MANAGERS = only("enterprise", "finance", "government", "institution", "investor")
_API_ANON = 401  # the API answers 401 (WWW-Authenticate: Token) instead of a login redirect
BULK = {
    "infocenter:import-list": Case(_IMPORTERS),
    "infocenter:import-create": Case(_IMPORTERS),
    "infocenter:import-template": Case(_IMPORTERS, query="?kind=statement"),
    "infocenter:import-detail": Case(only("government"), kwargs=_import_job),
    "infocenter:import-mapping": Case(only("government"), kwargs=_mapping_job),
    "infocenter:import-progress": Case(only("government"), kwargs=_import_job),
    "infocenter:import-errors": Case(only("government"), kwargs=_failed_job),
    "infocenter:record-list": Case(members()),
    "infocenter:firm-records": Case(members(), kwargs=lambda world: {"pk": world.firm.pk}),
    "infocenter:api-tokens": Case(_MANAGERS),
    "infocenter:api-token-revoke": Case(only("enterprise", "finance", "government", "institution", "investor", ok=405),
                                        kwargs=_api_token),
    "api:schema": Case(public()),
    "api:docs": Case(public()),
    "api:records": Case(statuses(200, anonymous=_API_ANON)),
    "api:import-jobs": Case(statuses(200, anonymous=_API_ANON)),
    "api:publications": Case(statuses(200, anonymous=_API_ANON)),
    "api:reports": Case(statuses(200, anonymous=_API_ANON)),
    "api:import-job-detail": Case(statuses(404, anonymous=_API_ANON, government=200, superuser=200),
                                  kwargs=_import_job),
}
EXPECTED.update(BULK)


# --- the centre's core: modules, publications, reports, consent, dossier, notifications --------
def _publication(world, *, visibility="public", publish=True, attachment=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from infocenter.services import publication_create

    file = SimpleUploadedFile("statement.pdf", b"%PDF-1.4 matrix", content_type="application/pdf") \
        if attachment else None
    p = publication_create(subject=world.firm, author=world.users["enterprise"], category="financial_statements",
                           title="2025 年度财务报表", body="营业收入 1,200 万元", visibility=visibility,
                           attachment=file, publish=publish)
    return {"pk": p.pk}


_DAYS = __import__("itertools").count(1)


def _report(world, *, evidence_file=False):
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from infocenter.services import report_file

    file = SimpleUploadedFile("overdue.csv", "期数,逾期天数\n3,45\n".encode(), content_type="text/csv") \
        if evidence_file else None
    r = report_file(reporter=world.bank, subject=world.firm, author=world.users["institution_officer"],
                    category="late_payment", title="第三期还款逾期 45 天", evidence="2026-09 期应还未还。",
                    evidence_file=file, now=timezone.now() - timedelta(days=next(_DAYS)))  # under the daily limit
    return {"pk": r.pk}


def _consent(world):
    from datetime import timedelta

    from django.utils import timezone

    from infocenter.services import consent_grant

    c = consent_grant(grantor=world.firm, grantee=world.bank, granted_by=world.users["enterprise"],
                      valid_until=timezone.localdate() + timedelta(days=30))
    return {"pk": c.pk}


def _notification(world):
    from infocenter.models import Notification

    n = Notification.objects.create(user=world.users["enterprise"], kind="report.filed", url="/hub/",
                                    params={"reporter": "银行", "subject": "企业", "title": "t", "type": "negative"})
    return {"pk": n.pk}


def _subscription(world):
    from infocenter.services import subscription_create

    return {"pk": subscription_create(user=world.users["enterprise"], target="module", module="enterprise").pk}


def _alert(world):
    from infocenter.models import Alert

    a = Alert.objects.create(government=world.gov, subject=world.firm, kind="alert.negative_verified",
                             params={"subject": world.firm.name, "title": "t", "category": "c"})
    return {"pk": a.pk}


_ACTING = members(superuser=404)  # pages that act for the user's agent (a bare superuser has none)
_POST_ONLY = statuses(405, anonymous=302)
_REPORT_READERS = statuses(200, anonymous=302, investor=404)
CORE = {
    "infocenter:module": Case(public(), kwargs=lambda world: {"module": "enterprise"}),
    "infocenter:publication-detail": Case(public(), kwargs=_publication),
    "infocenter:publication-attachment": Case(public(), kwargs=lambda world: _publication(world, attachment=True)),
    "infocenter:publication-create": Case(_ACTING),
    "infocenter:my-publications": Case(_ACTING),
    "infocenter:publication-correct": Case(only("enterprise"), kwargs=_publication),
    "infocenter:publication-publish": Case(only("enterprise"), kwargs=lambda world: _publication(world, publish=False)),
    "infocenter:publication-retract": Case(only("enterprise"), kwargs=_publication),
    "infocenter:reports": Case(_ACTING),
    "infocenter:report-create": Case(_ACTING),
    "infocenter:report-detail": Case(_REPORT_READERS, kwargs=_report),
    "infocenter:report-reply": Case(only("enterprise"), kwargs=_report),
    "infocenter:report-decide": Case(only("finance", "government"), kwargs=_report),
    "infocenter:report-evidence": Case(_REPORT_READERS, kwargs=lambda world: _report(world, evidence_file=True)),
    "infocenter:consents": Case(only("enterprise", "institution", "investor")),
    "infocenter:consent-create": Case(only("enterprise")),
    "infocenter:consent-revoke": Case(only("enterprise"), kwargs=_consent),
    "infocenter:access-log": Case(_ACTING),
    "infocenter:dossier": Case(public(), kwargs=lambda world: {"pk": world.firm.pk}),
    "infocenter:search": Case(public(), query="?q=财务"),
    "infocenter:asymmetry": Case(only("finance", "government")),
    "infocenter:subscriptions": Case(members()),
    "infocenter:subscription-delete": Case(_POST_ONLY, kwargs=_subscription),
    "infocenter:follow": Case(_POST_ONLY),
    "infocenter:notifications": Case(members()),
    "infocenter:notification-badge": Case(members()),
    "infocenter:notification-settings": Case(members()),
    "infocenter:notifications-read-all": Case(_POST_ONLY),
    "infocenter:notification-open": Case(only("enterprise", ok=302), kwargs=_notification),
    "infocenter:alerts": Case(only("government")),
    "infocenter:alert-ack": Case(only("government", ok=405), kwargs=_alert),
}
EXPECTED.update(CORE)
