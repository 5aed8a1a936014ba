"""The partner list API reads `.values()` rows (PartnerListRows): its output is what the output serializer
gives for the same partners, field for field, nulls and nested rows included, in bounded queries."""

import json

import pytest
from django.urls import reverse
from rest_framework.renderers import JSONRenderer

from partners import selectors
from partners.api.serializers import PartnerOutputSerializer
from partners.models import Archetype, JourneyStage, JourneyTemplate, Partner, PartnerType, Segment
from tests.factories import OrganizationFactory, PartnerFactory, PartnershipFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db


def serializer_output(org) -> list[dict]:
    partners = selectors.partner_rows(Partner.objects.for_org(org)).order_by("name", "pk")
    return json.loads(JSONRenderer().render(PartnerOutputSerializer(partners, many=True).data))


def test_api_list_rows_equal_the_output_serializer(org, member, api_client):
    reseller, referral = ProgramFactory(organization=org, name="Reseller"), ProgramFactory(organization=org, name="Ref")
    gold = TierFactory(program=reseller, name="Gold")
    template = JourneyTemplate.objects.create(organization=org, name="Journey")
    stage = JourneyStage.objects.create(organization=org, template=template, name="Onboard", order=1)
    reseller_type = PartnerType.objects.create(organization=org, name="Reseller", slug="reseller", order=2)
    msp = PartnerType.objects.create(organization=org, name="MSP", slug="msp", order=1)
    full = PartnerFactory(
        organization=org,
        name="Full",
        website="https://full.example",
        description="Everything set",
        archetype=Archetype.objects.create(organization=org, name="Builder", slug="builder"),
        segment=Segment.objects.create(organization=org, name="Enterprise", slug="enterprise"),
        is_focus=True,
        region="EMEA",
        country="DE",
        size_band="51-200",
        industry="Software",
        owner=member,
        journey_stage=stage,
        linked_organization=OrganizationFactory(),
    )
    full.types.add(reseller_type, msp, through_defaults={"organization": org})
    PartnershipFactory(partner=full, program=reseller, tier=gold, current_stage=stage)
    PartnershipFactory(partner=full, program=referral)
    PartnerFactory(organization=org, name="Bare", domain="", status="prospect")

    body = api_client.get(reverse("partners-api:partner-list", args=[org.slug])).json()
    assert body["count"] == 2
    assert body["results"] == serializer_output(org)
    assert body["results"][1]["types"] == ["msp", "reseller"]
    assert [p["program_name"] for p in body["results"][1]["partnerships"]] == ["Ref", "Reseller"]


@pytest.mark.parametrize("count", [3, 30])
def test_api_list_rows_query_count_does_not_grow_with_rows(org, api_client, django_assert_num_queries, count):
    program = ProgramFactory(organization=org)
    ptype = PartnerType.objects.create(organization=org, name="Reseller", slug="reseller")
    for _ in range(count):
        partnership = PartnershipFactory(partner__organization=org, program=program, tier=TierFactory(program=program))
        partnership.partner.types.add(ptype, through_defaults={"organization": org})
    # the membership (org and role), count, the page's ids, its rows, types, partnerships
    with django_assert_num_queries(6):
        body = api_client.get(reverse("partners-api:partner-list", args=[org.slug]), {"status": "active"}).json()
    assert body["count"] == count and all(r["types"] == ["reseller"] for r in body["results"])


def test_api_list_pages_filters_and_orders_like_the_output_serializer(org, api_client):
    """The page's ids are read first (filters and order alone), then only their rows: every page, in any
    order, with a filter through another table, equals the serializer's output of the same slice."""
    program = ProgramFactory(organization=org, name="Reseller")
    msp = PartnerType.objects.create(organization=org, name="MSP", slug="msp")
    for n in range(7):
        partner = PartnerFactory(organization=org, name=f"Partner {n % 3} {n}", status="active")
        for _ in range(n % 3):
            PartnershipFactory(partner=partner, program=ProgramFactory(organization=org))
        if n % 2:
            partner.types.add(msp, through_defaults={"organization": org})
    PartnershipFactory(partner=Partner.objects.for_org(org).get(name="Partner 0 0"), program=program)
    url = reverse("partners-api:partner-list", args=[org.slug])
    everyone = selectors.partner_rows(Partner.objects.for_org(org))
    cases = [
        ({}, everyone.order_by("name", "pk")),
        ({"ordering": "-partnership_count"}, everyone.order_by("-partnership_count", "name", "pk")),
        ({"type": "msp", "ordering": "-created_at"}, everyone.filter(types=msp).order_by("-created_at", "name", "pk")),
    ]
    for params, expected in cases:
        pages = [api_client.get(url, {**params, "page_size": 3}).json()]
        while pages[-1]["next"]:
            pages.append(api_client.get(pages[-1]["next"]).json())
        got = [row for page in pages for row in page["results"]]
        want = json.loads(JSONRenderer().render(PartnerOutputSerializer(expected, many=True).data))
        assert pages[0]["count"] == len(want)
        assert [r["id"] for r in got] == [r["id"] for r in want], params
        assert got == want, params
