"""A real Celery worker in a subprocess, on Redis and PostgreSQL, for live tests and benchmarks.

``Worker`` starts ``celery -A platform4a1c worker`` (solo pool, concurrency 1, no beat) with
``tests.live_worker_settings`` against a given database and broker, waits until it is ready and
stops it with a warm shutdown (SIGTERM; SIGKILL only if it hangs). ``live_celery`` switches this
process's Celery app from eager to the same broker, so what the code under test enqueues (the
outbox kick after a commit) goes to the worker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlparse

from platform4a1c.queues import ALL_QUEUES

ROOT = Path(__file__).resolve().parent.parent
# The broker's own Redis database number (the rating loop's: 7), so its queue is not shared
# with the cache or another test run's broker.
BROKER_DB = int(os.environ.get("LIVE_WORKER_REDIS_DB", "7"))


def broker_url(redis_url: str, db: int = BROKER_DB) -> str:
    """``redis_url`` with the database number replaced by ``db``."""
    return urlparse(redis_url)._replace(path=f"/{db}").geturl()


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for a Django PostgreSQL settings dict (the test database's)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def broker_purge(url: str) -> None:
    """Empty the broker's Redis database (left-over messages of an interrupted run)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _reset_pool(app) -> None:
    if app._pool is not None:
        with suppress(Exception):  # a pool of a broker that is gone has nothing to close
            app._pool.force_close_all()
    app._pool = None
    with suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextmanager
def live_celery(url: str):
    """Within the block, this process sends tasks to the broker at ``url`` instead of running
    them eagerly (the test settings' default)."""
    from platform4a1c.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    _reset_pool(app)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    try:
        yield app
    finally:
        _reset_pool(app)
        app.conf.task_always_eager, app.conf.broker_url = saved


class Worker:
    """``celery -A platform4a1c worker`` in a subprocess; its log goes to ``log_path``."""

    def __init__(self, *, database_url: str, broker_url: str, log_path: Path, name: str = "live",
                 loglevel: str = "info", queues: str = ALL_QUEUES):
        self.database_url, self.broker_url, self.log_path = database_url, broker_url, Path(log_path)
        self.name, self.loglevel, self.queues = name, loglevel, queues
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Worker:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.live_worker_settings",
               "DATABASE_URL": self.database_url, "CELERY_BROKER_URL": self.broker_url,
               "PYTHONUNBUFFERED": "1"}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "platform4a1c", "worker", "--pool", "solo", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", self.loglevel,
             "--hostname", f"{self.name}-{os.getpid()}@%h", "-Q", self.queues],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not re.search(r"\bready\.", self.log()):
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited ({self.process.returncode}):\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Celery worker was not ready within {timeout:.0f} s:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def stop(self, timeout: float = 20) -> int | None:
        """Warm shutdown: the worker finishes its current task and exits."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def succeeded(self, task: str) -> int:
        """How many runs of the task the worker finished."""
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", self.log()))

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
