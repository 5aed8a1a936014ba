"""Load held: five minutes of a realistic mix against gunicorn (3 workers) on PostgreSQL at 10,000 partners.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pom_load python -m bench.load.run [--minutes 5] [--users 12]

1. migrates the database, seeds the demo when it is missing (`seed_demo`) and tops Nimbus up to
   10,000 partners (bulk rows: the load measures reads of many rows, not the seeding);
2. starts a Celery worker (`celery -A pom worker`, one prefork child) on a Redis broker (`REDIS_URL`, or a
   private `redis-server` on a free port) and a queue of its own, and gunicorn with 3 workers, DEBUG off
   and the bench-only URLs on (POM_BENCH_URLS=True, bench/load/urls.py: a raw `.values()` page of the
   same rows as the API list): as in production, requests only enqueue their e-mails, webhooks and
   jobs; the worker runs them beside the load (its e-mails go to files in a temporary folder);
3. runs locust headless on loopback: the mix of bench/load/locustfile.py for `--minutes`, then the API
   list alone and the raw page alone, 30 s each with the same users and no think time, so their
   throughputs compare like for like;
4. prints per request kind: requests, errors, req/s, p50/p95/p99 (ms), the goal and whether it is met,
   and the API list's throughput as a share of the raw page's; before the mix, a single-client table
   (sequential requests, p50/p95 per kind: less sensitive to a shared machine), and the load average;
5. at the end, what the worker did (tasks queued and left, e-mails written), then stops both.

Goals (issue 17): zero errors; p95 < 150 ms for pages, < 50 ms for API list pages; API list ≥ 50 % of raw.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTNERS = 10_000
PASSWORD = "pom-demo-2026"


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def prepare() -> dict[str, str]:
    """Migrate, seed, top up to 10,000 partners; returns the locust environment."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from pom.models import Organization

    if not Organization.objects.filter(slug="nimbus").exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from partners.models import Partner
    from plans.models import KeyResult, Plan
    from pom import services
    from pom.models import Membership
    from workspaces.models import Workspace

    org = Organization.objects.get(slug="nimbus")
    existing = Partner.objects.for_org(org).count()
    statuses = ["active", "prospect", "onboarding", "at_risk", "inactive"]
    Partner.objects.bulk_create(
        [
            Partner(
                organization=org,
                name=f"Bench Partner {n:05d} {'Cloud' if n % 7 == 0 else 'Systems'}",
                domain=f"bench-{n:05d}.example",
                status=statuses[n % len(statuses)],
                region="EMEA" if n % 3 else "NA",
                country="DE",
            )
            for n in range(existing, PARTNERS)
        ],
        batch_size=1000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    owner = Membership.objects.filter(organization=org, role="owner").select_related("user").first().user
    _key, raw = services.api_key_create(org=org, actor=owner, name=f"load {time.time():.0f}", scope="write")
    manager = Membership.objects.filter(organization=org, role="manager").select_related("user").first().user
    plan = Plan.objects.for_org(org).filter(status__in=["draft", "proposed", "validated"]).order_by("id").first()
    kr = KeyResult.objects.for_org(org).filter(plan=plan).exclude(unit="boolean").order_by("id").first()
    workspace = Workspace.objects.for_org(org).filter(is_default=True).order_by("id").first()
    partner_ids = list(Partner.objects.for_org(org).order_by("?").values_list("pk", flat=True)[:50])
    return {
        "POM_LOAD_ORG": org.slug,
        "POM_LOAD_EMAIL": manager.email,
        "POM_LOAD_PASSWORD": PASSWORD,
        "POM_LOAD_API_KEY": raw,
        "POM_LOAD_PLAN": str(plan.pk),
        "POM_LOAD_KR": str(kr.pk),
        "POM_LOAD_WORKSPACE": str(workspace.public_id),
        "POM_LOAD_PARTNERS": ",".join(map(str, partner_ids)),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: Path) -> tuple[str, subprocess.Popen | None]:
    """REDIS_URL, or a throwaway redis-server on a free port (stopped at the end)."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("Set REDIS_URL or install redis-server: the bench runs Celery on a Redis broker.")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}/0", process
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("redis-server did not start")


def start_worker(port: int, out: Path) -> tuple[subprocess.Popen, Path]:
    """`celery -A pom worker` on the bench's own queue (POM_CELERY_QUEUE), one prefork child."""
    bin_dir = Path(sys.executable).parent
    log = out / "worker.log"
    with log.open("w") as handle:
        process = subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "pom",
                "worker",
                "-Q",
                os.environ["POM_CELERY_QUEUE"],
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=server_env(port),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    for _ in range(240):
        if "ready." in log.read_text():
            return process, log
        if process.poll() is not None:
            break
        time.sleep(0.25)
    process.terminate()
    raise SystemExit(f"The Celery worker did not start:\n{log.read_text()[-2000:]}")


def worker_summary(log: Path, mail_dir: Path) -> str:
    """Tasks the worker ran, the bench queue's backlog left in Redis, e-mails written."""
    import redis

    text = log.read_text()
    done = text.count(" succeeded in ")
    failed = text.count(" raised unexpected") + text.count("] retry: ")
    left = redis.Redis.from_url(os.environ["REDIS_URL"]).llen(os.environ["POM_CELERY_QUEUE"])
    mails = len(list(mail_dir.glob("*"))) if mail_dir.exists() else 0
    return (
        f"Celery worker: {done} tasks succeeded, {failed} failed or retried, {left} still queued, {mails} e-mail files"
    )


def server_env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_DEBUG": "False",
        "DJANGO_SECRET_KEY": "bench-load-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SESSION_COOKIE_SECURE": "False",
        "DJANGO_CSRF_COOKIE_SECURE": "False",
        "POM_BENCH_URLS": "True",
        "POM_THROTTLE_APIKEY": "1000000/minute",
        "POM_THROTTLE_USER": "1000000/minute",
    }


def start_gunicorn(port: int) -> subprocess.Popen:
    """gunicorn as in production: DEBUG off, hashed static files collected first."""
    bin_dir = Path(sys.executable).parent
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=server_env(port),
            check=True,
        )
    process = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "pom.wsgi", "-w", "3", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=server_env(port),
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/ping/", timeout=1)
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not answer")


def locust(port: int, env: dict, *, seconds: int, users: int, classes: list[str], prefix: Path) -> list[dict]:
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            str(bin_dir / "locust"),
            "-f",
            str(ROOT / "bench/load/locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 4)),
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            *classes,
        ],
        env={**os.environ, **env},
        check=False,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as handle:
        return [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]


GOALS = {"page": 150, "api": 50}


def sequential(port: int, env: dict, *, repeat: int = 30) -> bool:
    """One client, one request at a time: p50/p95 per request kind, less sensitive to a shared machine."""
    import random
    import re
    import statistics

    import requests

    base = f"http://127.0.0.1:{port}"
    org, partners = env["POM_LOAD_ORG"], env["POM_LOAD_PARTNERS"].split(",")
    browser = requests.Session()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(base + "/accounts/login/").text)
    browser.post(
        base + "/accounts/login/",
        {"login": env["POM_LOAD_EMAIL"], "password": env["POM_LOAD_PASSWORD"], "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": base + "/accounts/login/"},
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {env['POM_LOAD_API_KEY']}"
    kinds = [
        ("page: partner list", browser, lambda: f"/o/{org}/partners/"),
        ("page: list by partnerships", browser, lambda: f"/o/{org}/partners/?region=EMEA&sort=-partnerships"),
        ("page: partner", browser, lambda: f"/o/{org}/partners/{random.choice(partners)}/"),
        ("page: plan", browser, lambda: f"/o/{org}/plans/{env['POM_LOAD_PLAN']}/"),
        ("page: workspace feed", browser, lambda: f"/w/{env['POM_LOAD_WORKSPACE']}/feed/"),
        ("page: pipeline list", browser, lambda: f"/o/{org}/pipeline/"),
        (
            "page: partner picker",
            browser,
            lambda: f"/o/{org}/partners/pick/partners/?q={random.choice(['bench', 'cloud', '01'])}",
        ),
        ("api: partner list", api, lambda: f"/api/o/{org}/partners/?page={random.randint(1, 200)}"),
        ("api: list by count", api, lambda: f"/api/o/{org}/partners/?ordering=-partnership_count"),
        ("raw: values() list", api, lambda: f"/bench/raw/o/{org}/partners/?page={random.randint(1, 200)}"),
    ]
    ok = True
    print(f"\nOne client, sequential requests, {repeat} each (ms):")
    print(f"{'request':<28}{'p50':>7}{'p95':>7}{'errors':>8}  goal")
    for name, session, path in kinds:
        times, errors = [], 0
        for _ in range(12):  # warm every gunicorn worker (3, not taken in turn): caches, lazy imports
            session.get(base + path())
        for _ in range(repeat):
            started = time.perf_counter()
            response = session.get(base + path(), allow_redirects=False)
            times.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
        times.sort()
        p50, p95 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]
        goal = GOALS["api"] if name.startswith("api:") else GOALS["page"] if name.startswith("page:") else None
        met = "" if goal is None else (f"ok (<{goal})" if p95 < goal else f"MISSED (<{goal})")
        ok = ok and errors == 0 and not met.startswith("MISSED")
        print(f"{name:<28}{p50:>7.0f}{p95:>7.0f}{errors:>8}  {met}")
    return ok


def report(rows: list[dict], seconds: int) -> bool:
    ok = True
    print(f"{'request':<26}{'n':>7}{'err':>6}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  goal")
    for row in sorted(rows, key=lambda r: r["Name"]):
        name = row["Name"]
        p95 = float(row["95%"])
        kind = name.split(":")[0]
        goal = GOALS.get("api" if name == "api: partner list" else ("page" if kind == "page" else ""))
        met = "" if goal is None else (f"ok (<{goal})" if p95 < goal else f"MISSED (<{goal})")
        errors = int(row["Failure Count"])
        ok = ok and errors == 0 and not met.startswith("MISSED")
        print(
            f"{name:<26}{row['Request Count']:>7}{errors:>6}{float(row['Requests/s']):>8.1f}"
            f"{float(row['50%']):>7.0f}{p95:>7.0f}{float(row['99%']):>7.0f}  {met}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--compare-only", action="store_true", help="Skip the mix: API list against raw only")
    parser.add_argument("--sequential", type=int, default=30, help="Single-client requests per kind (0: none)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it is migrated and seeded).")
    out = Path(tempfile.mkdtemp(prefix="pom-load-"))
    redis_url, redis_server = start_redis(out)
    # Production's shape: tasks go through Redis to a worker of their own queue; e-mails to files.
    os.environ.update(
        REDIS_URL=redis_url,
        POM_CELERY_QUEUE=f"pom-bench-load-{os.getpid()}",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(out / "mail"),
    )
    env = prepare()
    worker, worker_log = start_worker(args.port, out)
    server = start_gunicorn(args.port)
    try:
        print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
        sequential_ok = sequential(args.port, env, repeat=args.sequential) if args.sequential else True
        seconds = int(args.minutes * 60)
        print(f"Mix: {args.users} users for {seconds} s against gunicorn -w 3 at {PARTNERS:,} partners")
        ok = args.compare_only or report(
            locust(
                args.port,
                env,
                seconds=seconds,
                users=args.users,
                classes=["PartnerManager", "Integration"],
                prefix=out / "mix",
            ),
            seconds,
        )
        api = locust(args.port, env, seconds=30, users=6, classes=["ApiListOnly"], prefix=out / "api")
        raw = locust(args.port, env, seconds=30, users=6, classes=["RawOnly"], prefix=out / "raw")
        print("\nSame users, no think time, 30 s each:")
        report(api + raw, 30)
        api_rps, raw_rps = float(api[0]["Requests/s"]), float(raw[0]["Requests/s"])
        share = api_rps / raw_rps if raw_rps else 0
        print(
            f"\nAPI list throughput = {share:.0%} of raw .values() ({api_rps:.1f} vs {raw_rps:.1f} req/s); goal ≥ 50 %"
        )
        ok = ok and share >= 0.5 and sequential_ok
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
        print(worker_summary(worker_log, out / "mail"))
        print("All goals met." if ok else "Some goals missed (see above).")
    finally:
        for process in (server, worker, redis_server):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


if __name__ == "__main__":
    main()
