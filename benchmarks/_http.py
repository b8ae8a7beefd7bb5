"""The HTTP harness the benchmarks behind gunicorn share (``homes.py``, ``dashboards.py``,
``loadtest.py``); a file starting with ``_`` is not run by ``make bench-smoke``.

- ``ensure_database(url, fresh=…)``: the scratch PostgreSQL database, dropped and created again
  when ``fresh``, else created if missing;
- ``redis_url_or_own()``: ``REDIS_URL``, else a ``redis-server`` of our own on a free port (the
  production settings need a Redis), else ``None`` (the caller prints why it skips);
- ``production_env(tmp, …)``: the environment (and a settings module written into ``tmp``) for
  the production settings behind a TLS proxy, with static files served without the manifest
  (its post-processing stops on a missing source map of a vendored file; the benchmarks fetch no
  static file), no MFA, no e-mail verification;
- ``Gunicorn``: gunicorn on 127.0.0.1 and a free port with those settings, waited for and stopped;
- ``CeleryWorker``: a real ``celery -A platform4a1c worker`` with the same settings on Redis;
- ``Client``: one keep-alive connection with its own cookie jar, and the login through the form.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def ensure_database(url: str, *, fresh: bool) -> None:
    """The scratch database: dropped and created again when ``fresh``, else created if missing."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, *, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server exited ({process.returncode}) before listening on {port}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s") from None
            time.sleep(0.2)


class OwnRedis:
    """``REDIS_URL`` when set, else a ``redis-server`` of our own (no persistence) while the block
    runs; ``url`` is ``None`` when there is neither."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.url: str | None = os.environ.get("REDIS_URL") or None

    def __enter__(self) -> OwnRedis:
        if not self.url and shutil.which("redis-server"):
            port = free_port()
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",  # noqa: S607
                 "--appendonly", "no"], stdout=subprocess.DEVNULL)
            wait_for_port(port, process=self.process)
            self.url = f"redis://127.0.0.1:{port}/0"
        return self

    def __exit__(self, *exc) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


def production_env(tmp: Path, *, name: str, database_url: str, redis_url: str, extra_settings: str = "") -> dict:
    """The environment for the production settings (a module ``bench_<name>_settings`` written into
    ``tmp``, which goes first on the PYTHONPATH); ``extra_settings`` is appended to the module."""
    module = f"bench_{name}_settings"
    (tmp / f"{module}.py").write_text(
        "from platform4a1c.settings.production import *  # noqa: F401,F403\n"
        "from platform4a1c.settings.production import STORAGES\n"
        'STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}\n'
        + extra_settings)
    (tmp / "static").mkdir(exist_ok=True)
    return {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": module,
            "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "DJANGO_SECRET_KEY": f"bench-{name}-" + os.urandom(24).hex(), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "REDIS_URL": redis_url, "DJANGO_STATIC_ROOT": str(tmp / "static"), "DJANGO_MEDIA_ROOT": str(tmp / "media"),
            "PLATFORM_VAR_DIR": str(tmp), "DJANGO_LOG_LEVEL": "WARNING", "PLATFORM_REQUIRE_MFA": "false",
            "ACCOUNT_EMAIL_VERIFICATION": "none",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}


def django_setup(env: dict) -> None:
    """Set this process up with the same settings as the servers it starts."""
    os.environ.update(env)
    sys.path.insert(0, env["PYTHONPATH"].split(os.pathsep)[0])
    import django

    django.setup()


class Gunicorn:
    """gunicorn (sync workers, or gthread when ``threads`` > 1) on 127.0.0.1 and a free port."""

    def __init__(self, env: dict, *, workers: int = 3, threads: int = 1, timeout: int = 120,
                 log_path: Path | None = None):
        self.env, self.workers, self.threads, self.timeout, self.log_path = env, workers, threads, timeout, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        args = [str(VENV_BIN / "gunicorn"), "platform4a1c.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--timeout", str(self.timeout), "--log-level", "warning"]
        if self.threads > 1:
            args += ["--threads", str(self.threads)]
        out = self.log_path.open("w") if self.log_path else None
        self.process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out,  # noqa: S603
                                        stderr=subprocess.STDOUT if out else None)
        if out:
            out.close()
        wait_for_port(self.port, process=self.process)
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def warm(self, path: str = "/accounts/login/", rounds: int = 3) -> None:
        """Concurrent requests until every worker has answered (Django loads its URLs and
        templates on a worker's first request, seconds on a loaded machine)."""
        from concurrent.futures import ThreadPoolExecutor

        def get(_):
            Client(self.port).request("GET", path)

        with ThreadPoolExecutor(self.workers * self.threads) as pool:
            list(pool.map(get, range(rounds * self.workers * self.threads)))


class CeleryWorker:
    """``celery -A platform4a1c worker`` (solo pool, concurrency 1, no beat) with the same settings
    as gunicorn, its log in ``log_path``; stopped with a warm shutdown."""

    def __init__(self, env: dict, *, log_path: Path, name: str = "bench"):
        self.env, self.log_path, self.name = env, Path(log_path), name
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> CeleryWorker:
        from platform4a1c.queues import ALL_QUEUES  # every queue: this one worker takes the whole loop

        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "platform4a1c", "worker", "--pool", "solo", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "info",
             "--hostname", f"{self.name}-{os.getpid()}@%h", "-Q", ALL_QUEUES],
            cwd=ROOT, env={**self.env, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while not re.search(r"\bready\.", self.log()):
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited ({self.process.returncode}):\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the Celery worker was not ready within 60 s:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def failures(self) -> list[str]:
        """The worker log's lines of tasks that raised."""
        return [line for line in self.log().splitlines() if re.search(r"Task \S+\[[^\]]+\] raised", line)]


class Client:
    """One keep-alive HTTP connection with its own cookie jar (the session cookie is Secure, so
    a browser-like jar would not send it over the plain HTTP gunicorn speaks behind the proxy)."""

    def __init__(self, port: int, *, timeout: float = 120):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, float]:
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans",
                   "Referer": f"https://127.0.0.1{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text, elapsed

    def login(self, email: str, password: str) -> None:
        _status, page, _ = self.request("GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, _ = self.request("POST", "/accounts/login/",
                                    urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password}))
        if status != 302:
            raise SystemExit(f"login of {email} answered {status}")


def percentile(sorted_values: list[float], share: float) -> float:
    """The nearest-rank percentile of an already sorted list (``share`` in 0…1)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))]
