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
    # the membership (org and role), count, rows, types, partnerships
    with django_assert_num_queries(5):
        body = api_client.get(reverse("partners-api:partner-list", args=[org.slug]), {"status": "active"}).json()
    assert body["count"] == count and all(r["types"] == ["reseller"] for r in body["results"])
