"""Vendors open a deal room (a workspace around several partnerships and one opportunity) from a page."""

import re

import pytest
from django.urls import reverse

from tests.factories import OpportunityFactory, OpportunityPartnerFactory, PartnershipFactory
from workspaces.models import Workspace


@pytest.fixture
def deal(org):
    opportunity = OpportunityFactory(organization=org, name="Globex platform")
    first = OpportunityPartnerFactory(organization=org, opportunity=opportunity).partnership
    second = OpportunityPartnerFactory(organization=org, opportunity=opportunity).partnership
    return opportunity, [first, second]


def _url(org):
    return reverse("workspaces-org:create", args=[org.slug])


def _checked(body: str, pk: int) -> bool:
    tag = re.search(rf'<input[^>]*name="partnerships"[^>]*value="{pk}"[^>]*>', body).group(0)
    return " checked" in tag


def test_deal_room_form_preselects_the_deal_and_its_partners(org, deal, member_client):
    opportunity, partnerships = deal
    bystander = PartnershipFactory(organization=org)
    body = member_client.get(_url(org), {"opportunity": opportunity.pk}).content.decode()
    assert "Deal room · Globex platform" in body
    assert all(_checked(body, p.pk) for p in partnerships)
    assert not _checked(body, bystander.pk)


def test_manager_opens_a_deal_room_around_two_partnerships(org, deal, member_client):
    opportunity, partnerships = deal
    response = member_client.post(
        _url(org),
        {"name": "Globex room", "opportunity": opportunity.pk, "partnerships": [p.pk for p in partnerships]},
    )
    assert response.status_code == 302
    room = Workspace.objects.for_org(org).get(name="Globex room")
    assert room.opportunity == opportunity
    assert set(room.partnerships.values_list("pk", flat=True)) == {p.pk for p in partnerships}
    assert str(room.public_id) in response["Location"]


def test_deal_room_needs_a_partnership_and_saves_nothing_without_one(org, member_client):
    response = member_client.post(_url(org), {"name": "Empty room"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Workspace.objects.for_org(org).filter(name="Empty room").exists()


def test_deal_room_refuses_another_organizations_partnership(org, other_org, member_client):
    foreign = PartnershipFactory(organization=other_org)
    response = member_client.post(_url(org), {"name": "Sneaky", "partnerships": [foreign.pk]})
    assert response.status_code == 400
    assert not Workspace.objects.filter(name="Sneaky").exists()


def test_viewer_cannot_open_a_deal_room(org, deal, viewer, client_for):
    client = client_for(viewer)
    assert client.get(_url(org)).status_code == 403
    assert client.post(_url(org), {"name": "x", "partnerships": [deal[1][0].pk]}).status_code == 403
