#!/usr/bin/env python
"""Run the demo: the web server, a real Celery worker and Celery beat, on the embedded default
(SQLite and kombu's filesystem:// broker). Ctrl-C stops all three."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from platform4a1c.queues import ALL_QUEUES  # noqa: E402 - after the path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this many seconds (0: run until Ctrl-C)")
    args = parser.parse_args()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "platform4a1c.settings.local"),
           "PYTHONUNBUFFERED": "1"}
    var = Path(os.environ.get("PLATFORM_VAR_DIR", ROOT / "var"))
    for folder in ("celery-queue", "celery-processed", "log"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    py = sys.executable
    celery = [py, "-m", "celery", "-A", "platform4a1c"]
    commands = {
        "worker": celery + ["worker", "--loglevel=INFO", "--pool=solo", "--hostname=demo@%h", "-Q", ALL_QUEUES],
        "beat": celery + ["beat", "--loglevel=INFO", f"--pidfile={var / 'celerybeat.pid'}"],
        "web": [py, "manage.py", "runserver", "--noreload", f"{args.host}:{args.port}"],
    }
    from platform4a1c.demo import DEMO_PASSWORD
    from platform4a1c.demo.users import ADMIN_EMAIL, DEMO_USERS

    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        log = open(var / "log" / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

    print(f"\n4A+1C demo running at http://{args.host}:{args.port}/  (worker and beat logs in var/log/)")
    print(f"Log in with any of these, password {DEMO_PASSWORD}:")
    for email, _role, kind, _name in DEMO_USERS:
        print(f"  {email:36} {kind}")
    print(f"  {ADMIN_EMAIL:36} superuser, /admin/")
    print("Press Ctrl-C to stop.\n", flush=True)

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    code = 0
    try:
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; see var/log/{name}.log", file=sys.stderr)
                    code, stopping = 1, True
            if args.seconds and time.monotonic() - started > args.seconds:
                break
            time.sleep(0.5)
    finally:
        _stop_all(procs)
    return code


def _stop_all(procs: dict) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
