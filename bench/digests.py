"""Benchmark: one organization's weekly digest run at N workspaces against the same fan-out with a no-op body.

    python -m bench.digests [--n 5000] [--chunk 250]
    python -m bench.digests --fault [--n 5000]   # the SIGKILL fault test at N workspaces

Builds a throwaway database (SQLite, or PostgreSQL when DATABASE_URL is set), bulk-inserts N
partnerships, each with its workspace, a partner-side member, a plan, an objective, two key results,
a check-in and two activities, then times in the same process:

1. the ceiling: the same `pom.jobs` job, chunk loop and outbox with a no-op body: per workspace a digest
   row with a fixed text, its outbox rows and each mail's claim-send-mark, but no facts and no writer;
2. the digest run itself (`digest_services.run_body`, auto-send mode, the locmem mail backend): facts per
   chunk, texts, one insert per chunk, outbox rows, one e-mail per recipient with its action links.

It prints both times and the ratio (the goal is at most 3x). With --fault it runs
tests/workspaces/test_digest_worker_fault.py at N workspaces instead: a real worker killed with SIGKILL
repeatedly during the run, then one digest per workspace and no e-mail twice. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()


def generate(*, n: int):
    import datetime

    from django.utils import timezone

    from partners.models import Partner, Partnership, Program
    from plans.models import Activity, CheckIn, KeyResult, Objective, Plan
    from pom.models import Organization, User
    from workspaces.models import DigestSettings, Workspace, WorkspaceMember, WorkspacePartnership

    today = timezone.localdate()
    org = Organization.objects.create(name="Bench Vendor", slug="bench-digests")
    DigestSettings.objects.create(organization=org, mode=DigestSettings.Mode.AUTO_SEND)
    program = Program.objects.create(organization=org, name="Resell", kind="reseller")
    partners = Partner.objects.bulk_create([Partner(organization=org, name=f"Partner {i:05d}") for i in range(n)])
    partnerships = Partnership.objects.bulk_create(
        [Partnership(organization=org, partner=p, program=program, status="active") for p in partners]
    )
    workspaces = Workspace.objects.bulk_create(
        [Workspace(organization=org, name=f"{p.name} · Resell", is_default=True) for p in partners]
    )
    WorkspacePartnership.objects.bulk_create(
        [
            WorkspacePartnership(organization=org, workspace=w, partnership=p)
            for w, p in zip(workspaces, partnerships, strict=True)
        ]
    )
    users = User.objects.bulk_create([User(email=f"p{i:05d}@partners.example", name=f"Pat {i}") for i in range(n)])
    WorkspaceMember.objects.bulk_create(
        [
            WorkspaceMember(organization=org, workspace=w, user=u, side="partner")
            for w, u in zip(workspaces, users, strict=True)
        ]
    )
    start, end = today - datetime.timedelta(days=45), today + datetime.timedelta(days=45)
    plans = Plan.objects.bulk_create(
        [
            Plan(organization=org, partnership=p, name="FY plan", period_start=start, period_end=end)
            for p in partnerships
        ]
    )
    objectives = Objective.objects.bulk_create([Objective(organization=org, plan=p, title="Grow") for p in plans])
    krs = KeyResult.objects.bulk_create(
        [
            KeyResult(
                organization=org,
                plan=o.plan,
                objective=o,
                name=name,
                target=100,
                current_value=value,
                responsible_side=side,
                last_checkin_at=timezone.now(),
            )
            for o in objectives
            for name, value, side in (("Pipeline", 60, "both"), ("Certified engineers", 10, "partner"))
        ]
    )
    CheckIn.objects.bulk_create(
        [CheckIn(organization=org, plan=kr.plan, key_result=kr, value=kr.current_value) for kr in krs]
    )
    Activity.objects.bulk_create(
        [
            Activity(
                organization=org, plan=p, title=title, due_date=today + datetime.timedelta(days=days), owner_side=side
            )
            for p in plans
            for title, days, side in (("Joint webinar", 5, "partner"), ("Send MDF budget", -3, "vendor"))
        ]
    )
    return org


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--fault", action="store_true", help="run the SIGKILL fault test at N workspaces")
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args(argv)
    if args.fault:
        import subprocess
        import sys

        env = {**os.environ, "POM_FAULT_WORKSPACES": str(args.n), "POM_FAULT_KILLS": str(args.kills)}
        test = "tests/workspaces/test_digest_worker_fault.py"
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], env=env)
        print(
            f"Fault test at {args.n:,} workspaces, {args.kills} kills: {'passed' if code == 0 else 'FAILED'} "
            f"in {time.perf_counter() - started:.0f} s"
        )
        return code
    _setup_django()
    from django.core import mail
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases
    from django.utils import timezone

    from pom import jobs
    from pom.models import Job
    from workspaces import digest_outbox, digest_services
    from workspaces.models import Digest, DigestMail, Workspace

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        print(f"Database: {connection.vendor}; generating {args.n:,} workspaces…", flush=True)
        started = time.perf_counter()
        org = generate(n=args.n)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        today = timezone.localdate()

        def noop_body(*, job, progress):
            """The same fan-out with a no-op body: the job, the chunks and, per workspace, the rows and the
            e-mail any digest needs (a digest row with a fixed text, its outbox rows, the claim-send-mark
            of each mail), but no facts, no writer and no figures."""
            ids = list(Workspace.objects.for_org(org).order_by("pk").values_list("pk", flat=True))
            chunks = [ids[i : i + args.chunk] for i in range(0, len(ids), args.chunk)]
            progress.update(done=0, total=len(chunks))
            for n, chunk in enumerate(chunks, 1):
                rows = [
                    Digest(
                        organization=org,
                        workspace_id=pk,
                        kind="weekly",
                        period="noop",
                        status="approved",
                        subject="No-op",
                        body="No-op.",
                        facts={},
                    )
                    for pk in chunk
                ]
                Digest.objects.bulk_create(rows, ignore_conflicts=True)
                created = list(Digest.objects.for_org(org).filter(period="noop", workspace_id__in=chunk))
                digest_services.outbox_create(org=org, digests=created)
                progress.update(done=n)
            digest_ids = list(Digest.objects.for_org(org).filter(period="noop").values_list("pk", flat=True))
            digest_outbox.outbox_send(org=org, digest_ids=digest_ids, progress=progress)
            return {}

        def run(body, kind):
            job = Job.objects.create(
                organization=org,
                kind=kind,
                key=f"weekly:{today}",
                task_name="bench",
                params={"kind": "weekly", "period": "bench", "today": today.isoformat(), "chunk": args.chunk},
            )
            started = time.perf_counter()
            jobs.job_execute(organization_id=org.pk, job_id=job.pk, body=body)
            elapsed = time.perf_counter() - started
            job.refresh_from_db()
            assert job.status == Job.Status.DONE, job.error
            return elapsed

        ceiling = run(noop_body, "bench.noop")
        digests = run(digest_services.run_body, digest_services.JOB_KIND)
        print("")
        print(f"Workspaces:                {args.n:,} (chunks of {args.chunk})")
        written = Digest.objects.for_org(org).exclude(period="noop").count()
        print(f"Digests written:           {written:,}")
        sent = DigestMail.objects.for_org(org).filter(status="sent").exclude(digest__period="noop").count()
        print(f"E-mails sent:              {sent:,} (and {len(mail.outbox) - sent:,} by the no-op run)")
        print(f"Same fan-out, no-op body:  {ceiling:10.1f} s")
        print(f"Digest run:                {digests:10.1f} s")
        print(f"Ratio:                     {digests / ceiling:10.1f} x  (goal: at most 3x)")
        return 0
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
