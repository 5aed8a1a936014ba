"""`opportunity.credited`: one webhook event per opportunity whose credit a run changed, to a real receiver."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attribution.models import Opportunity
from pom import webhooks
from pom.models_webhooks import WebhookDelivery
from tests.attribution.test_run import build_pipeline, run_now
from tests.factories import InfluenceTypeFactory, PartnershipFactory
from tests.pom.test_webhooks import documented_verify


@pytest.fixture
def loopback(settings):
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.POM_WEBHOOK_REQUIRE_HTTPS = False


def _pipeline(org, n):
    partnerships = [PartnershipFactory(partner__organization=org) for _ in range(3)]
    build_pipeline(org, n, partnerships, InfluenceTypeFactory(organization=org))


def credited(org):
    return WebhookDelivery.objects.for_org(org).filter(event_type="opportunity.credited")


def test_only_opportunities_whose_credit_changed_are_sent(
    org,
    owner,
    receiver,
    loopback,
    django_capture_on_commit_callbacks,
):
    _pipeline(org, 4)
    endpoint, secret = webhooks.endpoint_create(
        org=org, actor=owner, url=receiver.url, event_types=["opportunity.credited"]
    )
    run_now(org)  # the first ledger: every opportunity's credit is new
    assert credited(org).count() == 4
    run_now(org)  # nothing changed: nothing sent
    assert credited(org).count() == 4

    opp = Opportunity.objects.for_org(org).order_by("id").first()
    Opportunity.objects.for_org(org).filter(pk=opp.pk).update(amount=Decimal("5000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_now(org)
    [delivery] = credited(org).filter(payload__data__run=run.id)
    [request] = receiver.wait_for(1)
    body = json.loads(request.body)
    assert documented_verify()(secret, request.headers["pom-signature"], request.body)
    assert body["type"] == "opportunity.credited" and body["id"] == str(delivery.event_id)
    data = body["data"]
    assert data["opportunity"]["id"] == opp.pk and data["opportunity"]["amount"] == "5000.00"
    models = {c["model"] for c in data["credits"]}
    for model in models:  # each model's new lines add up to the new amount, the previous to the old one
        assert sum(Decimal(c["amount"]) for c in data["credits"] if c["model"] == model) == Decimal("5000.00")
        previous = sum(Decimal(c["amount"]) for c in data["previous_credits"] if c["model"] == model)
        assert previous == opp.amount
    assert data["truncated"] is False and all("partner" in c for c in data["credits"])


def test_no_subscriber_costs_nothing_and_the_query_count_is_flat(org, owner, receiver, loopback):
    _pipeline(org, 5)
    with CaptureQueriesContext(connection) as unsubscribed:
        run_now(org)
    assert not any("EXCEPT" in q["sql"] for q in unsubscribed.captured_queries)
    webhooks.endpoint_create(org=org, actor=owner, url=receiver.url, event_types=["opportunity.credited"])

    def counted():
        Opportunity.objects.for_org(org).update(amount=Decimal("1.00") + Opportunity.objects.count())
        with CaptureQueriesContext(connection) as ctx:
            run_now(org)
        return len([q for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("INSERT")])

    small = counted()
    _pipeline(org, 25)
    large = counted()
    assert credited(org).filter(payload__data__opportunity__amount__isnull=False).count() >= 30
    assert small == large
