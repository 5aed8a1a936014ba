"""A real Celery worker for tests: `celery_worker_process`.

Tests marked `pytest.mark.worker` that use the fixture enqueue tasks exactly as production does
(`transaction.on_commit` → Redis → `celery -A pom worker`) and see their effects in the test
database. The worker:

- runs as a subprocess of `.venv/bin/celery -A pom worker` against the CURRENT test database
  (PostgreSQL, or the file-based SQLite test database, see `DATABASES["default"]["TEST"]`), so
  the fixture needs `transactional_db`: rows must be committed for another process to see them;
- consumes a queue with a unique name, to which this process routes every task while the fixture
  is active, so two xdist workers (or two checkouts sharing one Redis) never take each other's tasks;
- uses `REDIS_URL` when set, otherwise a private `redis-server` on a free port started for the session;
- writes e-mail with Django's file backend into `celery_worker_process.mail_dir`.

Use it with `pytest_plugins = ["tests.worker"]` in the root conftest, or import the fixtures.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection
from kombu import pools

from pom import celery_app

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 60
MAIL_END = "-" * 79
BROKER_DB = 15


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def worker_redis_url(tmp_path_factory):
    """REDIS_URL, or a throwaway redis-server on a free port for this test session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("Worker tests need Redis: set REDIS_URL or install redis-server (apt-get install redis-server).")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _redis_ping(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def _database_url() -> str:
    """A DATABASE_URL for the test database this process is using right now."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        name = str(s["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("The worker needs a file-based SQLite test database (DATABASES['default']['TEST']['NAME']).")
        return f"sqlite:///{name}"
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}{port}/{s['NAME']}"


def _app_role_env() -> dict:
    """With row-level security on (POM_DB_APP_ROLE, PostgreSQL), the worker works as the application role,
    as the test process does (tests/conftest.py) and production's workers do: it connects with the test
    database's owner and `SET ROLE`s on every connection (POM_DB_ASSUME_ROLE), so the policies apply to
    every query a task makes, and a task sees only the organization its `organization_id` names."""
    from django.conf import settings

    role = settings.POM_DB_APP_ROLE
    if not role or connection.vendor != "postgresql":
        return {}
    return {"POM_DB_ASSUME_ROLE": role}


@dataclass
class WorkerProcess:
    queue: str
    mail_dir: Path
    log_file: Path
    process: subprocess.Popen
    argv: list | None = None
    env: dict | None = None

    def kill_and_restart(self) -> None:
        """SIGKILL the worker (no warm shutdown, its task is lost mid-way) and start a fresh one on the same
        queue, database and mail folder: what a crashed worker and its supervisor do. For fault tests."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        with self.log_file.open("a") as log:
            log.write("\n--- killed (SIGKILL), restarting ---\n")
            log.flush()
            start = self.log_file.stat().st_size
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "ready." not in self.log_file.read_text()[start:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The restarted worker did not start; log:\n{self.log_file.read_text()[-3000:]}")
            time.sleep(0.1)

    def pool_child_pid(self) -> int:
        """The pid of the prefork pool's child process (the one running tasks)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            if children:
                return int(children[0])
            time.sleep(0.1)
        pytest.fail("The prefork worker has no pool child")

    def mails(self) -> list[str]:
        """The e-mails the worker has finished writing, oldest first, as raw text.

        Django's file backend ends every message with a line of 79 dashes; a file without it is
        still being written and is left for the next look.
        """
        if not self.mail_dir.exists():
            return []
        texts = [p.read_text() for p in sorted(self.mail_dir.iterdir(), key=lambda p: p.stat().st_mtime)]
        return [text for text in texts if MAIL_END in text]

    def wait_for_mail(self, count: int = 1, timeout: float = 90) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.mails()
            if len(mails) >= count:
                return mails
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"Expected {count} mail(s) from the worker; log:\n{self.log_file.read_text()[-3000:]}")


def _reset_celery_client() -> None:
    """Drop the app's cached connections and routing so the next send uses the current conf.

    kombu keeps connection and producer pools in a process-wide registry keyed by broker URL;
    closing one pool in place would leave a closed pool behind for the next user, so the whole
    registry is reset and rebuilt on demand.
    """
    pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def _private_db(url: str) -> str:
    """The same Redis server, database 15: tests flush the cache database (`cache.clear()`), and a
    queued task must not vanish with it when the cache and the broker share one server."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{BROKER_DB}", parts.query, parts.fragment))


@pytest.fixture
def worker_env():
    """Extra environment for the worker process; a test module overrides this fixture (e.g. to send
    mail through `tests.smtpserver.smtp_server` instead of the file backend)."""
    return {}


@pytest.fixture
def celery_worker_process(transactional_db, worker_redis_url, tmp_path, worker_env):
    """Start `celery -A pom worker` on a private queue against the test database; stop it after."""
    yield from _worker(worker_redis_url, tmp_path, worker_env, ["--pool", "solo"])


@pytest.fixture
def celery_prefork_worker_process(transactional_db, worker_redis_url, tmp_path, worker_env):
    """The same worker with a prefork pool of one child (`WorkerProcess.pool_child_pid()`), for tests that
    kill only the child: the main process notices, and with acks late the task is delivered again."""
    yield from _worker(worker_redis_url, tmp_path, worker_env, ["--pool", "prefork", "--concurrency", "1"])


def _worker(worker_redis_url, tmp_path, worker_env: dict, pool: list[str]):
    queue = f"pom-test-{uuid.uuid4().hex[:12]}"
    broker_url = _private_db(worker_redis_url)
    mail_dir = tmp_path / "mail"
    log_file = tmp_path / "worker.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "DJANGO_SETTINGS_MODULE": "pom.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_HOST": "",
        "PYTHONPATH": str(ROOT),
        "POM_CELERY_QUEUE": queue,
        **_app_role_env(),
        **worker_env,
    }
    celery_bin = Path(sys.executable).parent / "celery"
    nodename = f"{queue}@%h"
    argv = [
        str(celery_bin),
        "-A",
        "pom",
        "worker",
        "-Q",
        queue,
        "--include",
        "tests.worker_tasks",
        "-n",
        nodename,
        *pool,
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    ]
    with log_file.open("w") as log:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    saved = {
        key: celery_app.conf[key]
        for key in (
            "broker_url",
            "task_always_eager",
            "task_default_queue",
            "task_routes",
            "broker_connection_retry_on_startup",
        )
    }
    celery_app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
        task_routes={"*": {"queue": queue}},
        broker_connection_retry_on_startup=False,
    )
    _reset_celery_client()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "ready." not in log_file.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The Celery worker did not start; log:\n{log_file.read_text()[-3000:]}")
            time.sleep(0.2)
        worker = WorkerProcess(queue=queue, mail_dir=mail_dir, log_file=log_file, process=process, argv=argv, env=env)
        yield worker
        process = worker.process
    finally:
        celery_app.conf.update(saved)
        _reset_celery_client()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then exit
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
