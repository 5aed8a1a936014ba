"""Opportunity type, account status over time and integrations in place: API, imports (optional columns)."""

import datetime

from django.urls import reverse

from attribution import importing
from attribution.models import Account, Opportunity
from tests.factories import AccountFactory


def test_api_writes_and_reads_status_type_and_integrations(org, api_client):
    url = reverse("attribution-api:account-list", args=[org.slug])
    body = {"name": "Acme", "customer_since": "2024-01-15", "integrations_count": 3}
    created = api_client.post(url, body, format="json").json()
    assert created["customer_since"] == "2024-01-15" and created["integrations_count"] == 3
    refused = api_client.post(
        url, {"name": "Bad", "customer_since": "2024-01-15", "churned_on": "2023-01-01"}, format="json"
    )
    assert refused.status_code == 400 and "churned_on" in refused.json()["errors"]
    deal = {"account": created["id"], "name": "Upsell", "amount": "100.00", "currency": "EUR", "type": "expansion"}
    opportunity = api_client.post(reverse("attribution-api:opportunity-list", args=[org.slug]), deal, format="json")
    assert opportunity.json()["type"] == "expansion"


def test_optional_import_columns_are_read_and_absent_ones_keep_values(org, member):
    rows = [
        {"crm_id": "A1", "name": "Acme", "customer_since": "2024-02-01", "churned_on": "", "integrations_count": "4"}
    ]
    assert importing.account_bulk_upsert(org=org, actor=member, items=rows)["errors"] == {}
    account = Account.objects.for_org(org).get(crm_id="A1")
    assert account.customer_since == datetime.date(2024, 2, 1) and account.integrations_count == 4
    importing.account_bulk_upsert(org=org, actor=member, items=[{"crm_id": "A1", "name": "Acme AG"}])
    account.refresh_from_db()
    assert account.name == "Acme AG" and account.integrations_count == 4  # the file had no such column
    bad = importing.account_bulk_upsert(
        org=org, actor=member, items=[{"crm_id": "A2", "name": "X", "integrations_count": "many"}]
    )
    assert "integrations_count" in bad["errors"][0]
    deal = {"crm_id": "O1", "account_crm_id": "A1", "name": "Renewal", "amount": "10", "type": "renewal"}
    assert importing.opportunity_bulk_upsert(org=org, actor=member, items=[deal])["errors"] == {}
    assert Opportunity.objects.for_org(org).get(crm_id="O1").type == "renewal"
    wrong = importing.opportunity_bulk_upsert(org=org, actor=member, items=[{**deal, "type": "upsell"}])
    assert "type" in wrong["errors"][0]


def test_template_lists_the_optional_columns(org):
    AccountFactory(organization=org)
    assert "integrations_count" in importing.template_csv("accounts")
    assert importing.template_csv("opportunities").splitlines()[0].endswith(",type")
