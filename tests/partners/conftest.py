import pytest

from partners.defaults import org_defaults
from partners.models import JourneyTemplate


@pytest.fixture
def defaults(org):
    """`org` with the default taxonomy and six-stage journey, as every new organization gets."""
    org_defaults(org=org)
    return org


@pytest.fixture
def journey(defaults):
    return JourneyTemplate.objects.for_org(defaults).get(is_default=True)
