"""The deals tab: the partner registers a deal, sees the conflict result at once, and only their own."""

import datetime

from django.urls import reverse

from attribution import registrations
from attribution.models import DealRegistration


def _form(world, **over):
    data = {
        "partnership": world.partnership.pk,
        "customer_name": "Globex",
        "customer_domain": "globex.com",
        "value": "25000",
        "currency": "EUR",
        "products": "Cloud, Backup",
        "expected_close": (datetime.date.today() + datetime.timedelta(days=60)).isoformat(),
        "notes": "",
    }
    return {**data, **over}


def test_partner_registers_a_deal_and_sees_no_conflict(world, client_for):
    response = client_for(world.ws_editor).post(
        reverse("workspaces:deals", args=[world.workspace.public_id]), _form(world)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "No conflict found" in body
    registration = DealRegistration.objects.get()
    assert registration.via == "partner" and registration.submitted_by == world.ws_editor
    assert registration.products == ["Cloud", "Backup"]


def test_partner_sees_a_conflict_at_once_without_the_other_partners_name(world, client_for):
    other_partnership = world.other_workspace.partnerships.first()
    registrations.registration_submit(
        org=world.org,
        actor=world.vendor_owner,
        partnership=other_partnership,
        customer_name="Globex",
        customer_domain="globex.com",
        value=10000,
        currency="EUR",
        products=[],
        expected_close=None,
        notes="",
        via="vendor",
    )
    response = client_for(world.ws_editor).post(
        reverse("workspaces:deals", args=[world.workspace.public_id]), _form(world)
    )
    body = response.content.decode()
    assert "overlaps" in body
    assert "Beta Partners" not in body


def test_deals_list_shows_only_this_workspaces_registrations(world, client_for):
    for partnership, name in ((world.partnership, "Initech"), (world.other_workspace.partnerships.first(), "Hooli")):
        registrations.registration_submit(
            org=world.org,
            actor=world.vendor_owner,
            partnership=partnership,
            customer_name=name,
            customer_domain=f"{name.lower()}.com",
            value=1000,
            currency="EUR",
            products=[],
            expected_close=None,
            notes="",
            via="vendor",
        )
    body = client_for(world.ws_viewer).get(reverse("workspaces:deals", args=[world.workspace.public_id])).content
    assert b"Initech" in body and b"Hooli" not in body
    assert b"Register a deal" not in body  # viewers read only


def test_bad_registration_names_the_field_and_saves_nothing(world, client_for):
    response = client_for(world.ws_editor).post(
        reverse("workspaces:deals", args=[world.workspace.public_id]), _form(world, currency="EURO", value="-5")
    )
    assert response.status_code == 400
    assert not DealRegistration.objects.exists()


def test_viewer_cannot_register(world, client_for):
    response = client_for(world.ws_viewer).post(
        reverse("workspaces:deals", args=[world.workspace.public_id]), _form(world)
    )
    assert response.status_code == 403
    assert not DealRegistration.objects.exists()
