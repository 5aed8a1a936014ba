"""Row-level security in a real Celery worker process (tests/worker.py): with POM_DB_APP_ROLE set, the
worker works as the application role, and a task sees exactly the organization its `organization_id`
names, even a task that forgets `for_org` (docs/tenancy.md)."""

import json
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from tests.factories import PartnerFactory
from tests.worker_tasks import partner_names_seen

pytestmark = pytest.mark.worker


@pytest.fixture(autouse=True)
def _row_level_security_on():
    if connection.vendor != "postgresql" or not settings.POM_DB_APP_ROLE:
        pytest.skip("row-level security needs PostgreSQL and POM_DB_APP_ROLE")  # CI runs with both


def _seen(worker, organization_id, path, timeout=60) -> list[str]:
    with transaction.atomic():
        transaction.on_commit(lambda: partner_names_seen.delay(organization_id, str(path)))
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        if time.monotonic() > deadline or worker.process.poll() is not None:
            pytest.fail(f"The worker did not run the task; log:\n{worker.log_file.read_text()[-3000:]}")
        time.sleep(0.1)
    return json.loads(path.read_text())


def test_a_worker_task_for_one_organization_cannot_read_another_organizations_rows(
    celery_worker_process, org, other_org, tmp_path
):
    PartnerFactory(organization=org, name="Ours")
    PartnerFactory(organization=other_org, name="Theirs")
    assert _seen(celery_worker_process, org.pk, tmp_path / "ours.json") == ["Ours"]
    assert _seen(celery_worker_process, other_org.pk, tmp_path / "theirs.json") == ["Theirs"]
    # The same worker process, a task without an organization: no tenant rows at all.
    assert _seen(celery_worker_process, None, tmp_path / "none.json") == []
