"""Which Celery queue each task goes to, so that a long batch job never holds up the feedback
loop (docs/scaling.md §1). No Django import: the demo launcher, the test and benchmark workers
and the settings all read it.

- ``events``: the loop itself, latency-bound — the outbox dispatcher and the re-score of the few
  firms an event names (a late-payment report re-rates its firm within seconds).
- ``rescore``: the full re-scores (minutes for a large cluster; CPU in pandas), and the re-scores
  that facts written in bulk ask for (every repayment, the nightly bucket moves, imports: kinds
  declared ``bulk``), which would otherwise crowd the loop's queue.
- ``nightly``: the set-based batch jobs of the night and the stored summaries' refresh.
- ``default``: everything else (imports, digests, invitations, consents, the audit chain).

One worker may listen to all of them (``-Q`` with ``ALL_QUEUES``: the demo, the tests); a
deployment runs a worker per queue (docker-compose.yml: one for ``events``, one for the rest).
"""

EVENTS, RESCORE, NIGHTLY, DEFAULT = "events", "rescore", "nightly", "default"

QUEUE_OF_TASK = {
    "infocenter.tasks.events_dispatch": EVENTS,
    "clusterfinance.rating.tasks.ratings_rescore_agents": EVENTS,
    "clusterfinance.rating.tasks.ratings_rescore_agents_routine": RESCORE,
    "clusterfinance.rating.tasks.ratings_rescore_company": RESCORE,
    "clusterfinance.rating.tasks.ratings_rescore_all": RESCORE,
    "clusterfinance.rating.tasks.ratings_rescore_chunk": RESCORE,
    "lending.tasks.delinquency_nightly": NIGHTLY,
    "lending.tasks.ledger_check": NIGHTLY,
    "clusterfinance.guarantees.tasks.guarantee_claims_nightly": NIGHTLY,
    "clusterfinance.sanctions.tasks.sanctions_apply_nightly": NIGHTLY,
    "clusterfinance.schemes.group_loans.tasks.joint_liability_calls_nightly": NIGHTLY,
    "portals.government.tasks_compliance.compliance_check_all": NIGHTLY,
    "clusterfinance.tasks.disclosure_run": NIGHTLY,
    "infocenter.tasks.summaries_refresh": NIGHTLY,
}

ROUTES = {task: {"queue": queue} for task, queue in QUEUE_OF_TASK.items()}

# every queue, for a single worker that takes them all ("-Q", ALL_QUEUES)
ALL_QUEUES = ",".join((EVENTS, RESCORE, NIGHTLY, DEFAULT))
