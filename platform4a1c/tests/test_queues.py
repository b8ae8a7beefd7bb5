"""Each loop's tasks go to their own Celery queue (platform4a1c/queues.py), and every worker we
start — the demo's, the tests' and benchmarks' single worker, the compose file's pair — listens
to every queue a task can be sent to, so no task waits in a queue nobody reads."""

from pathlib import Path

import yaml

from platform4a1c.celery import app
from platform4a1c.queues import ALL_QUEUES, QUEUE_OF_TASK

ROOT = Path(__file__).resolve().parents[2]


def _queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_the_loop_and_the_batches_are_on_separate_queues():
    app.loader.import_default_modules()
    assert _queue_of("infocenter.tasks.events_dispatch") == "events"
    assert _queue_of("clusterfinance.rating.tasks.ratings_rescore_agents") == "events"
    assert _queue_of("clusterfinance.rating.tasks.ratings_rescore_all") == "rescore"
    # the re-scores repayments and other bulk facts ask for stay off the loop's queue
    assert _queue_of("clusterfinance.rating.tasks.ratings_rescore_agents_routine") == "rescore"
    assert _queue_of("clusterfinance.rating.tasks.ratings_rescore_chunk") == "rescore"  # the night's fan-out
    assert _queue_of("lending.tasks.delinquency_nightly") == "nightly"
    assert _queue_of("agents.tasks.invitations_expire") == "default"  # not named: the default queue


def test_every_routed_task_exists_and_every_queue_has_a_listener():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    assert set(QUEUE_OF_TASK) <= registered, set(QUEUE_OF_TASK) - registered
    every = set(ALL_QUEUES.split(","))
    assert {_queue_of(name) for name in registered if not name.startswith("celery.")} <= every
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    listened: set[str] = set()
    for service in services.values():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "platform4a1c", "worker"]:
            assert "-Q" in command, "a compose worker without -Q reads the default queue only"
            listened |= set(command[command.index("-Q") + 1].split(","))
    assert listened == every
    for launcher in ("scripts/demo.py", "benchmarks/_http.py"):
        assert '"-Q", ALL_QUEUES' in (ROOT / launcher).read_text(), launcher
    from tests.live_worker import Worker

    assert Worker(database_url="", broker_url="", log_path=ROOT).queues == ALL_QUEUES  # unless told otherwise
