"""`make demo` runs a real web server, Celery worker and beat on the embedded default: start
the launcher against a scratch SQLite file and broker folder, call a page, send a task through
the filesystem broker and see the worker run it."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_runs_web_worker_and_beat(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "platform4a1c.settings.local",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "PLATFORM_VAR_DIR": str(tmp_path / "var"),
           "CELERY_BROKER_URL": "filesystem://"}
    env.pop("REDIS_URL", None)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    port = _free_port()
    launcher = subprocess.Popen([py, "scripts/demo.py", "--port", str(port), "--seconds", "60"], cwd=ROOT,  # noqa: S603
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as r:  # noqa: S310
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        send = ("import django; django.setup(); from agents.tasks import invitations_expire; "
                "print(invitations_expire.delay().id)")
        task_id = subprocess.run([py, "-c", send], cwd=ROOT, env=env, check=True, capture_output=True,  # noqa: S603
                                 text=True).stdout.strip()
        worker_log = tmp_path / "var" / "log" / "worker.log"
        deadline = time.monotonic() + 30
        while f"{task_id}] succeeded" not in worker_log.read_text():
            assert time.monotonic() < deadline, worker_log.read_text()[-2000:]
            time.sleep(0.5)
        assert "beat: Starting" in (tmp_path / "var" / "log" / "beat.log").read_text()
    finally:
        launcher.terminate()
        out = launcher.communicate(timeout=40)[0]
    assert "Demo4a1c!2026" in out and f"http://127.0.0.1:{port}/" in out
