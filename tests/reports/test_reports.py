import pytest
from django.urls import reverse

from partners.models import Partner
from tests.factories import JourneyStageFactory, JourneyTemplateFactory, PartnerFactory, PartnershipFactory


@pytest.fixture
def portfolio(org):
    template = JourneyTemplateFactory(organization=org, is_default=True)
    onboard = JourneyStageFactory(template=template, name="Onboard", order=1)
    win = JourneyStageFactory(template=template, name="Win", order=2)
    PartnerFactory.create_batch(3, organization=org, status=Partner.Status.ACTIVE, journey_stage=win)
    PartnerFactory(organization=org, status=Partner.Status.ONBOARDING, journey_stage=onboard)
    PartnershipFactory(partner=PartnerFactory(organization=org, status=Partner.Status.AT_RISK))
    return org


def test_reports_page_shows_the_portfolio_counts(portfolio, member_client, viewer, client_for):
    response = client_for(viewer).get(reverse("reports:index", args=[portfolio.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "5 partners" in body
    assert "Journey funnel" in body and "Partnerships by program" in body


def test_reports_api_counts_by_status_and_stage(portfolio, api_client):
    data = api_client.get(reverse("reports-api:portfolio", args=[portfolio.slug])).json()
    assert dict(map(tuple, data["by_status"]))["Active"] == 3
    assert dict(map(tuple, data["by_stage"])) == {"Onboard": 1, "Win": 3}
    assert data["total"] == 5


def test_reports_query_count_does_not_grow_with_partners(org, member_client, django_assert_max_num_queries):
    PartnerFactory.create_batch(40, organization=org)
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("reports:index", args=[org.slug])).status_code == 200


def test_reports_hidden_from_other_tenants(org, other_member, outsider, client_for, api_client_for):
    for user in (other_member, outsider):
        assert client_for(user).get(reverse("reports:index", args=[org.slug])).status_code == 404
        assert api_client_for(user).get(reverse("reports-api:portfolio", args=[org.slug])).status_code == 404
