"""Tasks only the test worker knows (`tests/worker.py` starts it with `--include tests.worker_tasks`)."""

import json
from pathlib import Path

from celery import shared_task

from partners.models import Partner


@shared_task
def partner_names_seen(organization_id: int | None, path: str) -> None:
    """Forgets the door on purpose: writes every partner name this task's connection can see to `path`
    (tests/pom/test_rls_worker.py reads it; the test worker has no result backend)."""
    names = sorted(Partner.objects.values_list("name", flat=True))
    Path(path).write_text(json.dumps(names))
