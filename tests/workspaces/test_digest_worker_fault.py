"""Exactly once under crashes: a real Celery worker is killed with SIGKILL again and again during a digest
run; after restarts (and the reclaim beat would run), every workspace has exactly one digest for the
period and no e-mail went out twice. The worker sends through a real local SMTP server that takes a
moment per message, as a loaded relay does, so every attempt is still running when the test kills it
(without it a fast machine finishes the run between two looks). The bench (bench/digests.py --fault)
runs the same at 5,000."""

import os
import random
import re
import time

import pytest
from django.db import transaction
from django.utils import timezone

from pom import jobs
from pom.models import Job, Organization
from tests.factories import (
    KeyResultFactory,
    ObjectiveFactory,
    OrganizationFactory,
    PartnershipFactory,
    PlanFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from tests.smtpserver import smtp_server  # noqa: F401  (fixture)
from workspaces import digest_facts, digest_services
from workspaces import services as ws_services
from workspaces.models import Digest, DigestMail, DigestSettings, Side

pytestmark = pytest.mark.worker

# Small for CI; `python -m bench.digests --fault --n 5000` runs this same test at 5,000 workspaces.
WORKSPACES = int(os.environ.get("POM_FAULT_WORKSPACES", "12"))
KILLS = int(os.environ.get("POM_FAULT_KILLS", "2"))
# Seconds the SMTP server takes per message: at CI size 12 mails take 3 s per attempt, far longer than
# the test's look-and-kill cycle; at bench sizes the run is long anyway.
SMTP_DELAY = float(os.environ.get("POM_FAULT_SMTP_DELAY", "0.25" if WORKSPACES <= 100 else "0"))


@pytest.fixture
def worker_env(smtp_server):  # noqa: F811  (the fixture above, used here)
    smtp_server.delay = SMTP_DELAY
    return {"EMAIL_HOST": smtp_server.host, "EMAIL_PORT": str(smtp_server.port), "EMAIL_USE_TLS": "False"}


def _build(org: Organization, n: int) -> None:
    owner = UserFactory()
    for i in range(n):
        partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name=f"Partner {i:03d}")
        ws = ws_services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=partnership)
        WorkspaceMemberFactory(workspace=ws, user=UserFactory(email=f"p{i:03d}@partners.example"), side=Side.PARTNER)
        plan = PlanFactory(partnership=partnership, organization=org)
        KeyResultFactory(objective=ObjectiveFactory(plan=plan, organization=org), target=100, current_value=40)


def test_killed_workers_never_duplicate_a_digest_or_a_mail(celery_worker_process, smtp_server):  # noqa: F811
    org = OrganizationFactory(slug="faulty")
    _build(org, WORKSPACES)
    DigestSettings.objects.create(organization=org, mode=DigestSettings.Mode.AUTO_SEND)
    today = timezone.localdate()
    with transaction.atomic():
        # a short lease so a killed attempt is reclaimed within seconds (longer at bench sizes, where a
        # batch of 100 mails between two heartbeats takes longer than 2 s)
        lease = 2 if WORKSPACES <= 100 else 30
        job = digest_services.run_request(org=org, kind="weekly", today=today, lease_seconds=lease, chunk=5)
    rng = random.Random(11)
    kills = 0
    deadline = time.monotonic() + 120 + WORKSPACES * 0.2
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.DONE, Job.Status.FAILED):
            break
        if kills < KILLS and job.status == Job.Status.RUNNING:
            time.sleep(rng.uniform(0.05, 0.4) * max(1, WORKSPACES // 300))
            celery_worker_process.kill_and_restart()
            kills += 1
            continue
        time.sleep(0.25)
        with transaction.atomic():
            jobs.jobs_reclaim()  # what beat does every minute
    job.refresh_from_db()
    assert kills == KILLS
    assert job.status == Job.Status.DONE, (job.status, job.error, celery_worker_process.log_file.read_text()[-2000:])
    assert job.attempts > 1

    period = digest_facts.period_key("weekly", today)
    per_ws = Digest.objects.for_org(org).filter(period=period, kind="weekly").values_list("workspace_id", flat=True)
    assert len(per_ws) == len(set(per_ws)) == WORKSPACES

    mails = [message.decode() for message in smtp_server.received()]
    ids = [value.strip() for mail in mails for value in re.findall(r"^Message-ID: (.+)$", mail, re.M)]
    assert len(ids) == len(mails)
    assert len(ids) == len(set(ids)), "a mail went out twice"
    rows = DigestMail.objects.for_org(org)
    sent = set(rows.filter(status="sent").values_list("message_id", flat=True))
    unconfirmed = set(rows.filter(status="sending").values_list("message_id", flat=True))
    assert rows.count() == WORKSPACES
    assert sent <= set(ids)  # every mail recorded as sent really left
    assert set(ids) <= sent | unconfirmed  # and nothing left that is not accounted for
    assert len(unconfirmed) <= KILLS  # only a mail in flight at a kill can be left unconfirmed
    assert not rows.filter(status="queued").exists()
