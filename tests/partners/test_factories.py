import pytest

from tests.factories import OrganizationFactory, PartnerFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def test_partnership_factory_never_builds_a_cross_org_graph():
    org = OrganizationFactory()
    given_org = PartnershipFactory(organization=org)
    assert given_org.partner.organization == org == given_org.program.organization
    partner = PartnerFactory()
    given_partner = PartnershipFactory(partner=partner)
    assert given_partner.organization == partner.organization == given_partner.program.organization
    bare = PartnershipFactory()
    assert bare.organization == bare.partner.organization == bare.program.organization
