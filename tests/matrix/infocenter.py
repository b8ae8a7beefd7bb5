"""Permission matrix rows for the centre's URLs (issue 4)."""

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
    "api:import-job-detail": Case(statuses(404, anonymous=_API_ANON, government=200, superuser=200),
                                  kwargs=_import_job),
}
EXPECTED.update(BULK)
