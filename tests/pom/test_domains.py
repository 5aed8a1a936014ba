"""One domain normaliser for partners, accounts and deal registrations."""

from decimal import Decimal

import pytest

from attribution import registrations
from attribution import services as attribution_services
from partners import services as partner_services
from pom.domains import domain_error, normalize_domain
from tests.factories import AccountFactory, PartnershipFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://WWW.Acme.com:8443/path?q=1", "acme.com"),
        ("https://www.Globex.com/about?x=1", "globex.com"),
        ("acme.com/", "acme.com"),
        ("acme.com#frag", "acme.com"),
        ("acme.com?utm=x#top", "acme.com"),
        ("  http://shop.acme.co.uk  ", "shop.acme.co.uk"),
        ("www.acme.io", "acme.io"),
        ("jane@globex.com", "globex.com"),
        ("mailto:jane@globex.com", "globex.com"),
        ("globex.com:443", "globex.com"),
        ("acme.com.", "acme.com"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_domain(raw, expected):
    assert normalize_domain(raw) == expected


def test_domain_error_names_what_is_wrong():
    assert domain_error("acme.com") is None and domain_error("") is None
    assert "not a web domain" in domain_error("acme")


@pytest.mark.django_db
def test_partners_accounts_and_registrations_store_the_same_domain(org, member):
    raw = "https://www.Acme.com#pricing"
    partner = partner_services.partner_create(org=org, actor=member, name="Acme", domain=raw)
    account = attribution_services.account_create(org=org, actor=member, data={"name": "Acme", "domain": raw})
    registration = registrations.registration_submit(
        org=org, actor=member, partnership=PartnershipFactory(partner__organization=org),
        customer_name="Acme", customer_domain=raw, value=Decimal("10"), currency="EUR", products=[],
        expected_close=None, notes="", via="vendor",
    )  # fmt: skip
    assert partner.domain == account.domain == registration.customer_domain == "acme.com"


@pytest.mark.django_db
def test_registration_with_a_fragment_conflicts_with_the_account_in_pipeline(org, member):
    from tests.factories import OpportunityFactory

    account = AccountFactory(organization=org, name="Globex", domain="globex.com")
    OpportunityFactory(organization=org, account=account, status="open")
    registration = registrations.registration_submit(
        org=org, actor=member, partnership=PartnershipFactory(partner__organization=org),
        customer_name="Umbrella", customer_domain="globex.com#contact", value=Decimal("10"), currency="EUR",
        products=[], expected_close=None, notes="", via="vendor",
    )  # fmt: skip
    assert [c["match"] for c in registration.conflicts] == ["domain"]
