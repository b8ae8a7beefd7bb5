"""Demo step: twelve months of credit ratings for every member firm (backdated to each month
end, so the migration matrix and the back-test have data), then today's rating. The story: one
firm falls after two verified negative reports four months ago; firms whose loans are a year
old rise as their on-time record grows. Idempotent: the history is written once, and today's
re-score writes nothing when nothing changed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from agents.choices import Role, grade_rank
from agents.models import Agent, cluster_members_q
from clusterfinance.rating.choices import RatingTrigger
from clusterfinance.rating.models import Rating
from clusterfinance.rating.monitoring import months_back
from clusterfinance.rating.services import ratings_rescore
from infocenter.models import Report
from infocenter.services.events import events_dispatch
from infocenter.services.reports import report_decide, report_file

STORY_TITLES = ("连续两期还款逾期 60 天以上", "供货款拖欠三个月，催收无果")


def _story_reports(world, firm) -> None:
    """Two verified negative reports about ``firm``, filed four months ago."""
    bank, officer, analyst = world["institutions"][0], world["users"][Role.INST_OFFICER], world["users"][
        Role.FC_ANALYST]
    when = timezone.now() - timedelta(days=120)
    for title in STORY_TITLES:
        report = Report.objects.filter(reporter=bank, subject=firm, title=title).first()
        if report is None:
            report = report_file(reporter=bank, subject=firm, author=officer, category="late_payment", title=title,
                                 evidence="银行流水与催收记录可查。", report_type="negative", now=when,
                                 occurred_on=when.date() - timedelta(days=5))
        if report.status == "unverified":
            report_decide(report=report, decided_by=analyst, status="verified", note="核对流水，属实。")
        Report.objects.filter(pk=report.pk).update(created_at=when, decided_at=when + timedelta(days=3))


def seed(world: dict, out) -> None:
    fc = world["finance_company"]
    firms = Agent.objects.filter(cluster_members_q(finance_company=fc, kind="enterprise")).order_by("pk")
    ids = list(firms.values_list("pk", flat=True))
    story = world["firms"][2]
    _story_reports(world, story)
    today = timezone.localdate()
    written = 0
    if not Rating.objects.filter(finance_company=fc, trigger=RatingTrigger.DEMO).exists():
        for n in range(12, 0, -1):
            day = months_back(today, n)
            at = timezone.make_aware(datetime.combine(day, time(23, 0)))
            written += len(ratings_rescore(agent_ids=ids, trigger=RatingTrigger.DEMO, as_of=day, rated_at=at,
                                           force=True, publish=False))
    # today: the nightly run (grade changes since last month are published and notified)
    written += len(ratings_rescore(agent_ids=ids, trigger=RatingTrigger.NIGHTLY))
    while events_dispatch(max_batches=50):
        pass
    before = Rating.objects.filter(agent=story, rated_at__date__lte=months_back(today, 5)).order_by("-rated_at").first()
    now = Rating.objects.filter(agent=story, is_current=True).first()
    risers = [a for a in firms if a.current_grade and _rose(a, today)]
    out.write(f"  rating: {written} ratings written for {len(ids)} firms over 12 months; "
              f"{story.name} {before.grade if before else '—'} → {now.grade if now else '—'} after verified "
              f"negative reports; {len(risers)} firms rose over the year"
              + (f" (e.g. {risers[0].name})" if risers else ""))


def _rose(agent, today) -> bool:
    first = Rating.objects.filter(agent=agent, rated_at__date__lte=months_back(today, 11)).order_by("-rated_at").first()
    if first is None:
        return False
    return (grade_rank(agent.current_grade) or 99) < (grade_rank(first.grade) or 99)
