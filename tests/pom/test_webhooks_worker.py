"""The production path: a change commits, Redis carries the task, a real Celery worker POSTs the
signed event to a real local receiver, and a failed first attempt is retried after its backoff."""

import time

import pytest

from pom import webhooks
from pom.models import WebhookDelivery
from tests.factories import MembershipFactory, OrganizationFactory
from tests.pom.test_webhooks import documented_verify

pytestmark = pytest.mark.worker


@pytest.fixture
def worker(transactional_db, request, monkeypatch, settings):
    """A worker allowed to reach the loopback receiver, with a one-second retry base."""
    for name, value in {
        "POM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "POM_WEBHOOK_REQUIRE_HTTPS": "False",
        "POM_WEBHOOK_RETRY_BASE_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.POM_WEBHOOK_REQUIRE_HTTPS = False
    return request.getfixturevalue("celery_worker_process")


def test_worker_delivers_retries_and_the_signature_verifies(worker, receiver):
    from partners import services

    org = OrganizationFactory(slug="nimbus-worker")
    owner = MembershipFactory(organization=org, role="owner").user
    _endpoint, secret = webhooks.endpoint_create(
        org=org, actor=owner, url=receiver.url, event_types=["partner.created"]
    )
    receiver.statuses = [502, 200]
    services.partner_create(org=org, actor=owner, name="Acme Integrators", domain="acme.example")

    first, second = receiver.wait_for(2, timeout=60)
    verify = documented_verify()
    assert verify(secret, second.headers["pom-signature"], second.body)
    assert first.headers["pom-event-id"] == second.headers["pom-event-id"]
    deadline = time.monotonic() + 20
    delivery = WebhookDelivery.objects.for_org(org).get()
    while delivery.status != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.2)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert list(webhooks.attempt_list(org=org, delivery=delivery).values_list("status_code", flat=True)) == [502, 200]
