"""Writes of the rating: scorecard versions (edit → approve → promote) and ratings (batch re-score).

``ratings_rescore`` is the one way firms get rated: features for all of them in a few queries,
scoring as array arithmetic, ratings written with one ``bulk_create``, the firms' current grade
and PD updated in one statement. A grade change is published to the centre (enterprise module),
written as a ``rating.changed`` outbox event and notified; no change, no publication."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.choices import AgentKind, Role, grade_rank
from agents.models import Agent, ClusterMembership, Membership, cluster_members_q, current_membership_q
from infocenter.choices import Visibility
from infocenter.services.events import event_emit
from infocenter.services.publications import publication_create

from .choices import RatingTrigger, ScorecardKind, VersionStatus
from .defaults import DEFAULT_CALIBRATION, DEFAULT_SPEC, DEFAULT_SPREADS
from .features import FEATURE_CODES, feature_table, snapshots
from .models import RATING_CATEGORY, Rating, ScorecardVersion
from .scorecard import SPEC_FORMAT, Calibration, model_for, reasons_batch, reasons_frame

logger = logging.getLogger(__name__)
RATING_CHANGED = "rating.changed"
PD_PLACES = Decimal("0.000001")
CHUNK = 20_000


# --- scorecard versions ----------------------------------------------------------------------
def _staff(user, finance_company, *, manager: bool = False) -> None:
    roles = (Role.FC_MANAGER,) if manager else (Role.FC_MANAGER, Role.FC_ANALYST)
    if not Membership.objects.filter(user=user, agent=finance_company, is_active=True, role__in=roles).exists():
        raise PermissionDenied(_("Only a manager of the finance company may approve a scorecard version.") if manager
                               else _("Only staff of the finance company may edit its scorecard."))


def validate_spec(spec: dict, calibration: list, spreads: dict | None = None) -> None:
    """A spec and calibration table the scorer can use, or a translated ValidationError."""
    try:
        features = spec["features"]
        if not features:
            raise ValueError
        for f in features:
            if f["type"] == "numeric":
                edges = [float(e) for e in f["edges"]]
                if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
                    raise ValidationError(_("The band limits of “%(f)s” must increase.") % {"f": f["name"]})
                if len(f["bins"]) != len(edges) + 2:
                    raise ValueError
            [float(b["points"]) for b in f["bins"]]
            if f["bins"][-1]["kind"] != "missing":
                raise ValueError
    except ValidationError:
        raise
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("The scorecard's factors are incomplete: every factor needs its bands, their "
                                "points and the points of a missing value.")) from None
    try:
        cal = Calibration(calibration)
        cuts = [row["min_score"] for row in calibration]
        if cuts[-1] is not None or any(c is None for c in cuts[:-1]):
            raise ValueError
        if any(b >= a for a, b in zip(cuts[:-2], cuts[1:-1], strict=False)):
            raise ValidationError(_("The minimum scores of the grades must fall from AAA to C."))
        pds = [cal.pd_of(row["grade"]) for row in calibration]
        if any(not 0 < p < 1 for p in pds) or any(b < a for a, b in zip(pds, pds[1:], strict=False)):
            raise ValidationError(_("Each grade's probability of default must lie between 0 and 1 and not fall "
                                    "from AAA to C."))
        if len(calibration) != 9:
            raise ValueError
    except ValidationError:
        raise
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("The calibration table needs all nine grades AAA … C, each with a minimum score "
                                "(none for C) and a probability of default.")) from None
    for grade, spread in (spreads or {}).items():
        if spread in ("", None):
            continue
        try:
            if not Decimal("0") <= Decimal(str(spread)) < Decimal("1"):
                raise ValueError
        except (ArithmeticError, ValueError):
            raise ValidationError(_("The spread of %(grade)s must be a rate between 0 and 1, e.g. 0.015.")
                                  % {"grade": grade}) from None


def _next_number(finance_company) -> int:
    last = ScorecardVersion.objects.filter(finance_company=finance_company).order_by("-number").first()
    return (last.number if last else 0) + 1


@transaction.atomic
def scorecard_default_ensure(*, finance_company) -> ScorecardVersion:
    """The version in use for ``finance_company``; on first use the platform's default expert
    scorecard becomes its version 1 (approved by the platform: nobody of the company wrote it)."""
    active = ScorecardVersion.objects.filter(finance_company=finance_company, status=VersionStatus.ACTIVE).first()
    if active is not None:
        return active
    Agent.objects.select_for_update().filter(pk=finance_company.pk).first()  # one first version per company
    active = ScorecardVersion.objects.filter(finance_company=finance_company, status=VersionStatus.ACTIVE).first()
    if active is not None:
        return active
    now = timezone.now()
    version = ScorecardVersion(
        finance_company=finance_company, number=_next_number(finance_company), kind=ScorecardKind.EXPERT,
        name=_("Default expert scorecard"), notes=_("The platform's default, in use until a version of your own "
                                                    "is approved."),
        spec=DEFAULT_SPEC, calibration=DEFAULT_CALIBRATION, spreads=DEFAULT_SPREADS,
        status=VersionStatus.ACTIVE, approved_at=now, activated_at=now)
    version.full_clean()
    version.save()
    return version


@transaction.atomic
def scorecard_version_create(*, finance_company, user, name: str, spec: dict, calibration: list,
                             spreads: dict | None = None, notes: str = "", based_on: ScorecardVersion | None = None,
                             kind: str = ScorecardKind.EXPERT) -> ScorecardVersion:
    """A new draft version (every edit of a scorecard is a new version; the old one stays)."""
    _staff(user, finance_company)
    if kind not in ScorecardKind.values:
        raise ValidationError({"kind": _("Choose expert or statistical.")})
    spec = {"format": spec.get("format", SPEC_FORMAT), **spec}
    validate_spec(spec, calibration, spreads)
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the version a name.")})
    version = ScorecardVersion(finance_company=finance_company, number=_next_number(finance_company), kind=kind,
                               name=name.strip()[:120], notes=notes or "", spec=spec, calibration=calibration,
                               spreads=spreads or {}, based_on=based_on, created_by=user)
    version.full_clean()
    version.save()
    return version


def calibration_from_model(model: dict) -> list[dict]:
    """The calibration table of a trained statistical model (its ``grades`` table): minimum
    scores made strictly falling (equal-count bands may tie) and a PD for every grade that
    never falls from AAA to C (an empty band takes the PD of its minimum score)."""
    rows, last_cut, last_pd = [], None, 0.0
    scaling = model.get("scaling") or {}
    for i, g in enumerate(model["grades"]):
        cut = g.get("min_score")
        if cut is not None and last_cut is not None and cut >= last_cut:
            cut = last_cut - 0.01
        pd_value = g.get("pd")
        if pd_value is None and scaling and cut is not None:
            pd_value = 1.0 / (1.0 + float(np.exp((cut - scaling["offset"]) / scaling["factor"])))
        pd_value = max(float(pd_value if pd_value is not None else last_pd), last_pd, 1e-6)
        pd_value = min(pd_value, 0.999999)
        rows.append({"grade": g["grade"], "min_score": None if i == len(model["grades"]) - 1 else cut,
                     "pd": round(pd_value, 6)})
        last_cut = cut if cut is not None else last_cut
        last_pd = pd_value
    return rows


def statistical_model_inputs(model: dict) -> tuple[list[str], list[str]]:
    """The model's feature names that are inputs of the rating (``features.FEATURE_CODES``) and
    those that are not: a member has no value for the latter, so they score as *missing*."""
    names = [str(f["name"]) for f in model.get("features") or []]
    return [n for n in names if n in FEATURE_CODES], [n for n in names if n not in FEATURE_CODES]


@transaction.atomic
def statistical_scorecard_submit(*, owner, name: str, model: dict, prepared_by) -> ScorecardVersion:
    """A trained statistical scorecard kept as a draft version of ``owner`` (a finance company):
    its bins, WoE and coefficients as JSON (the holdout figures too), scored through the same
    interface as an expert one; a manager other than ``prepared_by`` approves it in the version
    page (``scorecard_version_approve``) before it rates anyone. Its feature names must be the
    rating's inputs to tell members apart: a model none of whose columns is an input is refused
    (it would give every member the same score); other columns score as missing. The pricing
    spread per grade is carried over from the version in use (the trainer knows nothing of prices)."""
    if getattr(owner, "kind", None) != AgentKind.FINANCE_COMPANY:
        raise ValidationError(_("Only a finance company keeps scorecard versions."))
    _staff(prepared_by, owner)
    if not isinstance(model, dict) or not model.get("features") or not model.get("grades"):
        raise ValidationError(_("This is not a trained scorecard: it has no features or no grade table."))
    matched, _unmatched = statistical_model_inputs(model)
    if not matched:
        raise ValidationError(_("None of the model's columns is an input of the rating, so it would give every "
                                "member the same score. Name the columns of the training file as the rating's "
                                "inputs: %(codes)s.") % {"codes": ", ".join(FEATURE_CODES)})
    active = scorecard_default_ensure(finance_company=owner)
    spec = {"format": SPEC_FORMAT, "base": 0.0, **{k: v for k, v in model.items() if k != "holdout"},
            "holdout": model.get("holdout", {})}
    metrics = (model.get("holdout") or {}).get("metrics") or {}
    notes = _("Trained statistical scorecard.")
    if metrics.get("auc") is not None:
        notes = f"{notes} AUC {metrics['auc']:.3f} · KS {metrics.get('ks', 0):.3f} · Gini {metrics.get('gini', 0):.3f}"
    return scorecard_version_create(finance_company=owner, user=prepared_by, name=name, spec=spec,
                                    calibration=calibration_from_model(model), spreads=dict(active.spreads or {}),
                                    based_on=active, kind=ScorecardKind.STATISTICAL, notes=notes)


@transaction.atomic
def scorecard_version_approve(*, version: ScorecardVersion, user, activate: bool = True) -> ScorecardVersion:
    """Approve a draft (maker-checker: a manager of the finance company other than its author),
    and by default promote it at once: it scores everyone from now on, the old one retires."""
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    _staff(user, version.finance_company, manager=True)
    # Four eyes: the person who wrote a version may not approve it (the lead will route this
    # through the core's capability registry).
    if version.created_by_id == user.pk:
        raise PermissionDenied(_("You wrote this version; another manager must approve it."))
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be approved."))
    validate_spec(version.spec, version.calibration, version.spreads)
    version.status, version.approved_by, version.approved_at = VersionStatus.APPROVED, user, timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at"])
    if activate:
        version = scorecard_version_activate(version=version, user=user)
    return version


@transaction.atomic
def scorecard_version_activate(*, version: ScorecardVersion, user) -> ScorecardVersion:
    """Put an approved version in use (the one in use retires) and re-rate the members with it
    once the change has committed."""
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    _staff(user, version.finance_company, manager=True)
    if version.status != VersionStatus.APPROVED:
        raise ValidationError(_("Only an approved version can be put in use."))
    now = timezone.now()
    ScorecardVersion.objects.filter(finance_company=version.finance_company, status=VersionStatus.ACTIVE) \
        .update(status=VersionStatus.RETIRED, retired_at=now)
    version.status, version.activated_at = VersionStatus.ACTIVE, now
    version.save(update_fields=["status", "activated_at"])
    fc_id = version.finance_company_id

    def rescore():
        from .tasks import ratings_rescore_company

        ratings_rescore_company.delay(finance_company_id=fc_id, trigger=RatingTrigger.PROMOTION)

    transaction.on_commit(rescore, robust=True)
    return version


# --- ratings ---------------------------------------------------------------------------------
def _members_by_company(agent_ids, as_of: date) -> dict[int, list[int]]:
    """finance company id → its current member firms among ``agent_ids`` (None = all)."""
    qs = ClusterMembership.objects.filter(current_membership_q(as_of=as_of), agent__kind=AgentKind.ENTERPRISE,
                                          cluster__finance_company__status="active")
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=agent_ids)
    out: dict[int, set] = {}
    seen: set[int] = set()
    # A firm in two clusters is rated once, by the finance company of its oldest membership.
    for agent_id, fc_id in qs.order_by("joined_on", "pk").values_list("agent_id", "cluster__finance_company_id"):
        if agent_id not in seen:
            seen.add(agent_id)
            out.setdefault(fc_id, set()).add(agent_id)
    return {fc: sorted(ids) for fc, ids in out.items()}


RATING_COLUMNS = ("agent_id", "finance_company_id", "version_id", "score", "grade", "pd", "previous_grade", "reasons",
                  "inputs", "limited_history", "is_current", "rated_at", "trigger", "source_event_id")


def _insert(ratings: list[Rating]) -> None:
    """Write the new ratings in bulk: ``bulk_create`` (which sets their ids), or on PostgreSQL
    with more than a few thousand rows one COPY (5× faster for 100,000 ratings with their JSON;
    the ids are read back where needed, see ``_publish_changes``)."""
    if connection.vendor != "postgresql" or len(ratings) < 5000:
        Rating.objects.bulk_create(ratings, batch_size=2000)
        return
    dumps = DjangoJSONEncoder(ensure_ascii=False).encode
    with connection.cursor() as cursor, cursor.connection.cursor().copy(
            f"COPY clusterfinance_rating ({', '.join(RATING_COLUMNS)}) FROM STDIN") as copy:
        for r in ratings:
            copy.write_row((r.agent_id, r.finance_company_id, r.version_id, r.score, r.grade, r.pd, r.previous_grade,
                            dumps(r.reasons), dumps(r.inputs), r.limited_history, True, r.rated_at, r.trigger,
                            r.source_event_id))


def _retire(pks: list[int]) -> None:
    """The ratings replaced by new ones are no longer current (one statement on PostgreSQL)."""
    if not pks:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE clusterfinance_rating SET is_current = false WHERE id = ANY(%s)", [pks])
        return
    for start in range(0, len(pks), 5000):
        Rating.objects.filter(pk__in=pks[start:start + 5000]).update(is_current=False)


def _update_agents(rows: list[tuple[int, str, Decimal, datetime]]) -> None:
    """Copy the new current grade, PD and time to the firms, in one statement on PostgreSQL."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        ids, grades, pds, times = zip(*rows, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE agents_agent AS a SET current_grade = v.grade, current_pd = v.pd, rated_at = v.at "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::varchar[]) AS grade, "
                "unnest(%s::numeric[]) AS pd, unnest(%s::timestamptz[]) AS at) AS v "
                "WHERE a.id = v.id AND (a.rated_at IS NULL OR a.rated_at <= v.at)",
                [list(ids), list(grades), list(pds), list(times)])
        return
    agents = []
    for pk, grade, pd_value, at in rows:
        agents.append(Agent(pk=pk, current_grade=grade, current_pd=pd_value, rated_at=at))
    Agent.objects.bulk_update(agents, ["current_grade", "current_pd", "rated_at"], batch_size=500)


def _rate_company(fc: Agent, ids: list[int], *, trigger: str, as_of: date, rated_at: datetime,
                  source_event_id, force: bool, publish: bool) -> list[Rating]:
    version = scorecard_default_ensure(finance_company=fc)
    model, calibration = model_for(version), Calibration(version.calibration)
    table = feature_table(ids, as_of=as_of)
    if table.empty:
        return []
    # --- the scoring step: array arithmetic over all rows ---------------------------------
    scores, points = model.score(table)
    grades = calibration.grades(scores)
    pds = calibration.pds(grades)
    # --- what changed since the current rating ---------------------------------------------
    current = {r["agent_id"]: r for r in Rating.objects.filter(agent_id__in=ids, is_current=True)
               .values("agent_id", "pk", "grade", "version_id", "inputs", "rated_at")}
    inputs_all = snapshots(table)
    chosen, befores = [], []
    for i, agent_id in enumerate(table.index.tolist()):
        before = current.get(agent_id)
        if before is not None and not force and before["version_id"] == version.pk \
                and before["inputs"] == inputs_all[i]:
            continue  # nothing new about this firm: no rating, no publication
        if before is not None and before["rated_at"] > rated_at:
            continue  # a newer rating exists (backdated history is written oldest first)
        chosen.append(i)
        befores.append(before)
    if not chosen:
        return []
    # Reasons (texts in two languages) only for the rows that get a new rating.
    rows = np.asarray(chosen)
    sub, sub_points = table.iloc[rows], points.iloc[rows]
    reasons_new = reasons_batch(model, sub, model.bins(sub), sub_points, reasons_frame(model, sub_points))
    rounded = np.round(scores[rows], 2).tolist()
    pd_values = [Decimal(str(v)).quantize(PD_PLACES) for v in pds[rows].tolist()]
    agent_ids = table.index.to_numpy()[rows].tolist()
    grades_new = grades[rows].tolist()
    previous_grades = table["previous_grade"].fillna("").to_numpy()[rows].tolist()
    limited = table["limited_history"].to_numpy()[rows].tolist()
    new, replaced = [], []
    for k, (i, before) in enumerate(zip(chosen, befores, strict=True)):
        new.append(Rating(
            agent_id=int(agent_ids[k]), finance_company=fc, version=version, score=rounded[k], grade=str(grades_new[k]),
            pd=pd_values[k], previous_grade=before["grade"] if before else (previous_grades[k] or ""),
            reasons=reasons_new[k], inputs=inputs_all[i], limited_history=bool(limited[k]), rated_at=rated_at,
            trigger=trigger, source_event_id=(source_event_id.get(int(agent_ids[k]))
                                              if isinstance(source_event_id, dict) else source_event_id)))
        if before is not None:
            replaced.append(before["pk"])
    if not new:
        return []
    _retire(replaced)
    _insert(new)
    _update_agents([(r.agent_id, r.grade, r.pd, r.rated_at) for r in new])
    if publish:
        changed = [r for r in new if r.previous_grade and r.previous_grade != r.grade]
        if changed:
            _publish_changes(fc, changed)
    return new


def _publish_changes(fc: Agent, ratings: list[Rating]) -> None:
    """Each grade change: a publication in the enterprise module that the firm, its finance
    company, the government of its region and lenders it consented to may read; a
    ``rating.changed`` event (its handler notifies the firm's people; the publication's event
    notifies those who follow the firm and may read it)."""
    firms = Agent.objects.in_bulk([r.agent_id for r in ratings])
    if not all(r.pk for r in ratings):  # written by COPY: read the ids back
        ids = dict(Rating.objects.filter(agent_id__in=list(firms), is_current=True).values_list("agent_id", "pk"))
        for r in ratings:
            r.pk = ids.get(r.agent_id)
    for r in ratings:
        firm = firms[r.agent_id]
        up = (grade_index(r.grade) < grade_index(r.previous_grade))
        title = (f"信用评级{'上调' if up else '下调'}：{r.previous_grade} → {r.grade} · "
                 f"Credit rating {'upgraded' if up else 'downgraded'}: {r.previous_grade} → {r.grade}")
        body = "\n".join(f"{x['text_zh']} / {x['text_en']}" for x in r.reasons)
        publication_create(
            subject=firm, publisher=fc, category=RATING_CATEGORY, title=title, body=body,
            data={"rating_id": r.pk, "grade": r.grade, "previous_grade": r.previous_grade, "pd": str(r.pd),
                  "score": r.score, "version_id": r.version_id},
            visibility=Visibility.CONSENT, period=f"{timezone.localtime(r.rated_at):%Y-%m-%d}",
            key=f"rating-{r.pk}")
        event_emit(kind=RATING_CHANGED, subject_agent=firm, actor_agent=fc,
                   payload={"rating_id": r.pk, "grade": r.grade, "previous_grade": r.previous_grade,
                            "pd": str(r.pd), "version_id": r.version_id, "upgrade": up},
                   agent_ids=[firm.pk])


def grade_index(grade: str) -> int:
    rank = grade_rank(grade)
    return 99 if rank is None else rank


@transaction.atomic
def ratings_rescore(*, agent_ids=None, trigger: str = RatingTrigger.EVENT, as_of: date | None = None,
                    rated_at: datetime | None = None, source_event_id=None, force: bool = False,
                    publish: bool = True) -> list[Rating]:
    """Re-score the member firms among ``agent_ids`` (ids or a queryset; None = every member
    firm of every cluster), each with its finance company's version in use. Idempotent: a firm
    whose inputs and version are those of its current rating gets no new rating (``force``
    writes one anyway). ``as_of``/``rated_at`` backdate a run (demo history). ``source_event_id``
    is the event that asked for the run, or a dict of them by agent id (a batch of requests)."""
    as_of = as_of or timezone.localdate()
    rated_at = rated_at or timezone.now()
    if agent_ids is not None and not hasattr(agent_ids, "query"):
        agent_ids = sorted({int(i) for i in agent_ids})
        if not agent_ids:
            return []
        # Serialise concurrent re-scores of the same firms (an event and the nightly run).
        list(Agent.objects.select_for_update().filter(pk__in=agent_ids).order_by("pk").values_list("pk", flat=True))
    written = []
    if agent_ids is None or hasattr(agent_ids, "query"):
        # Every member (or a queryset): one subquery per finance company, no id lists at all.
        companies = Agent.objects.filter(kind=AgentKind.FINANCE_COMPANY, status="active",
                                         cluster_run__isnull=False).order_by("pk")
        for fc in companies:
            firms = Agent.objects.filter(cluster_members_q(finance_company=fc, kind=AgentKind.ENTERPRISE,
                                                           as_of=as_of))
            if agent_ids is not None:
                firms = firms.filter(pk__in=agent_ids)
            written += _rate_company(fc, _batch(firms), trigger=trigger, as_of=as_of, rated_at=rated_at,
                                     source_event_id=source_event_id, force=force, publish=publish)
        return written
    for fc_id, ids in sorted(_members_by_company(agent_ids, as_of).items()):
        fc = Agent.objects.get(pk=fc_id)
        # Chunks keep every "IN (ids)" within the databases' parameter limits; each chunk is
        # still read with one query per source and scored as one array operation.
        for start in range(0, len(ids), CHUNK):
            written += _rate_company(fc, ids[start:start + CHUNK], trigger=trigger, as_of=as_of, rated_at=rated_at,
                                     source_event_id=source_event_id, force=force, publish=publish)
    return written


def _batch(firms):
    """The ids of ``firms`` as the subquery every source reads. On PostgreSQL they are first
    copied into an analysed temporary table (dropped at commit): the planner then knows the
    batch has 100,000 rows and hash-joins each source to it, where it guessed 1,000 rows for the
    membership subquery and walked the indexes firm by firm (half the reading time)."""
    if connection.vendor != "postgresql":
        return firms.values("pk")
    sql, params = firms.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS rating_batch")
        cursor.execute(f"CREATE TEMPORARY TABLE rating_batch ON COMMIT DROP AS {sql}", params)
        cursor.execute("ANALYZE rating_batch")
    return Agent.objects.filter(pk__in=RawSQL("SELECT id FROM rating_batch", [])).values("pk")


def rating_request(*, agent, user) -> list[Rating]:
    """Staff of the firm's finance company ask for a fresh rating now."""
    memberships = ClusterMembership.objects.filter(current_membership_q(), agent=agent)
    fc_ids = set(memberships.values_list("cluster__finance_company_id", flat=True))
    if not Membership.objects.filter(user=user, agent_id__in=fc_ids, is_active=True).exists():
        raise PermissionDenied(_("Only the firm's finance company can re-rate it."))
    return ratings_rescore(agent_ids=[agent.pk], trigger=RatingTrigger.MANUAL, force=True)

