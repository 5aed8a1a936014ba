"""`Partner.partnership_count` is a stored column kept by triggers: it stays right through every write path
(services, import, bulk upsert, the ORM and cascades), a stale partner object never writes it back, and
the list and API sort by it."""

import pytest
from django.db import connection
from django.urls import reverse

from partners import importing, partnership_count, selectors, services
from partners.models import Partner, Partnership
from tests.factories import PartnerFactory, PartnershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def stored(partner) -> int:
    return Partner.objects.for_org(partner.organization).values_list("partnership_count", flat=True).get(pk=partner.pk)


def counted(partner) -> int:
    return Partnership.objects.for_org(partner.organization).filter(partner=partner).count()


def test_count_follows_partnership_create_and_delete_through_the_services(org, member, defaults):
    partner = services.partner_create(org=org, actor=member, name="Acme", domain="acme.com")
    reseller, referral = ProgramFactory(organization=org), ProgramFactory(organization=org)
    assert stored(partner) == 0
    first = services.partnership_create(org=org, actor=member, partner=partner, program=reseller)
    services.partnership_create(org=org, actor=member, partner=partner, program=referral)
    assert stored(partner) == 2
    services.partnership_delete(org=org, actor=member, partnership=first)
    assert stored(partner) == counted(partner) == 1


def test_a_partner_loaded_before_a_partnership_was_added_does_not_write_back_a_stale_count(org, member):
    partner = services.partner_create(org=org, actor=member, name="Acme", domain="acme.com")
    stale = Partner.objects.for_org(org).get(pk=partner.pk)
    services.partnership_create(org=org, actor=member, partner=partner, program=ProgramFactory(organization=org))
    services.partner_update(org=org, actor=member, partner=stale, data={"industry": "Software"})
    stale.save()
    assert stored(partner) == 1
    assert Partner.objects.for_org(org).get(pk=partner.pk).industry == "Software"


def test_count_follows_import_bulk_upsert_orm_moves_and_cascades(org, member, api_client):
    program = ProgramFactory(organization=org, name="Reseller")
    rows = importing.validate_rows(
        org=org,
        rows=[{"name": "Acme", "domain": "acme.com", "program": "Reseller"}, {"name": "Beta", "domain": "beta.io"}],
        numbers=[2, 3],
    )
    importing.rows_write(org=org, actor=member, rows=rows)
    acme, beta = (Partner.objects.for_org(org).get(domain=d) for d in ("acme.com", "beta.io"))
    assert (stored(acme), stored(beta)) == (1, 0)

    response = api_client.post(
        reverse("partners-api:partner-bulk-upsert", args=[org.slug]),
        {"partners": [{"name": "Beta", "domain": "beta.io", "program": "Reseller"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert stored(beta) == 1

    other = PartnershipFactory(partner=acme, program__organization=org)  # the ORM, as the admin writes
    assert stored(acme) == 2
    Partnership.objects.for_org(org).filter(pk=other.pk).update(partner=beta)  # a partnership moved
    assert (stored(acme), stored(beta)) == (1, 2)
    Partnership.objects.for_org(org).filter(program=program).delete()  # a bulk delete
    assert (stored(acme), stored(beta)) == (0, 1)
    beta.delete()  # cascades its partnership; the program's others are untouched
    assert Partnership.objects.for_org(org).count() == 0


def test_recount_repairs_counts_written_around_the_triggers(org):
    partnership = PartnershipFactory(partner__organization=org)
    partner = partnership.partner
    Partner.objects.for_org(org).filter(pk=partner.pk).update(partnership_count=7)
    assert partnership_count.recount(connection) == 1
    assert stored(partner) == 1


def test_list_and_api_sort_by_the_stored_count(org, api_client):
    many, one = PartnerFactory(organization=org, name="Many"), PartnerFactory(organization=org, name="One")
    PartnerFactory(organization=org, name="Alone")
    for _ in range(3):
        PartnershipFactory(partner=many, program__organization=org)
    PartnershipFactory(partner=one, program__organization=org)
    ordered = selectors.partner_list(org=org, filters={"sort": "-partnerships"})
    assert [(p.name, p.partnership_count) for p in ordered] == [("Many", 3), ("One", 1), ("Alone", 0)]
    assert [p.name for p in selectors.partner_list(org=org, filters={"sort": "partnerships"})] == [
        "Alone",
        "One",
        "Many",
    ]
    body = api_client.get(
        reverse("partners-api:partner-list", args=[org.slug]), {"ordering": "-partnership_count"}
    ).json()
    assert [(r["name"], r["partnership_count"], len(r["partnerships"])) for r in body["results"]] == [
        ("Many", 3, 3),
        ("One", 1, 1),
        ("Alone", 0, 0),
    ]
