"""Issue 14's events reach integrators: declared in the catalogue and delivered to a real local receiver."""

import datetime
import json
from decimal import Decimal

import pytest

from attribution import importing, mdf
from partners.models import PointActivity
from pom import webhook_events, webhooks
from tests.factories import (
    AccountFactory,
    MdfBudgetFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    PointRuleFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

PROGRAM_EVENTS = [
    "opportunity.won",
    "points.awarded",
    "tier.changed",
    "commission.statement_approved",
    "commission.statement_paid",
    "mdf.request_submitted",
    "mdf.request_decided",
    "mdf.claim_submitted",
    "mdf.claim_decided",
    "mdf.reimbursed",
    "solution.idea_submitted",
    "solution.vetted",
    "solution.step_changed",
]


@pytest.fixture
def loopback(settings):
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.POM_WEBHOOK_REQUIRE_HTTPS = False
    settings.POM_WEBHOOK_TIMEOUT = 2


def test_every_program_event_is_in_the_catalogue_with_a_description(org, owner, api_client_for):
    catalogue = webhook_events.event_types()
    assert all(str(catalogue.get(name, "")).strip() for name in PROGRAM_EVENTS)
    listed = api_client_for(owner).get(f"/api/o/{org.slug}/webhooks/event-types/").json()
    assert set(PROGRAM_EVENTS) <= {row["name"] for row in listed}


def test_a_subscribed_endpoint_gets_fund_requests_wins_and_points(
    org, owner, member, receiver, loopback, django_capture_on_commit_callbacks
):
    program = ProgramFactory(organization=org)
    partnership = PartnershipFactory(organization=org, program=program)
    budget = MdfBudgetFactory(program=program, amount=Decimal("10000"))
    PointRuleFactory(program=program, activity=PointActivity.DEAL_WON, points=5, per_amount=Decimal("1000"))
    account = AccountFactory(organization=org, crm_id="A1")
    OpportunityPartnerFactory(
        organization=org, partnership=partnership, opportunity__account=account, opportunity__crm_id="O1"
    )
    webhooks.endpoint_create(
        org=org,
        actor=owner,
        url=receiver.url,
        event_types=["mdf.request_submitted", "opportunity.won", "points.awarded"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = mdf.mdf_request_submit(
            org=org,
            actor=member,
            partnership=partnership,
            budget=budget,
            activity="Joint webinar",
            start_date=budget.period_start,
            end_date=budget.period_start,
            amount_requested=Decimal("2500"),
            campaign_code="WEB-1",
        )
    with django_capture_on_commit_callbacks(execute=True):
        importing.opportunity_bulk_upsert(
            org=org,
            actor=member,
            items=[
                {
                    "crm_id": "O1",
                    "account_crm_id": "A1",
                    "name": "Won in the CRM",
                    "amount": "3000",
                    "currency": "EUR",
                    "status": "won",
                    "closed_on": datetime.date.today().isoformat(),
                }
            ],
        )
    bodies = {body["type"]: body for body in (json.loads(r.body) for r in receiver.wait_for(3))}
    assert set(bodies) == {"mdf.request_submitted", "opportunity.won", "points.awarded"}
    fund = bodies["mdf.request_submitted"]["data"]["request"]
    assert (fund["id"], fund["amount_requested"], fund["campaign_code"]) == (request.pk, "2500.00", "WEB-1")
    won = bodies["opportunity.won"]["data"]
    assert won["opportunity"]["name"] == "Won in the CRM" and won["partnership_ids"] == [partnership.pk]
    [line] = bodies["points.awarded"]["data"]["entries"]
    assert (line["points"], line["partnership"]) == (15, partnership.pk)  # 3 × 1,000 → 3 × 5 points
