"""`full_clean()` on POM's models (`pom.models.TimeStamped.clean_fields`): a foreign key whose row is loaded
on the instance is not looked up again; one given as a bare id still is, and a missing row is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Contact
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_loaded_foreign_keys_are_not_looked_up_again(org):
    partner = PartnerFactory(organization=org)
    contact = Contact(organization=org, partner=partner, name="Jana Weber")
    with CaptureQueriesContext(connection) as queries:
        contact.full_clean()
    assert not [q for q in queries.captured_queries if 'FROM "partners_partner"' in q["sql"]]
    assert not [q for q in queries.captured_queries if 'FROM "pom_organization"' in q["sql"]]


def test_a_bare_id_is_still_checked_and_a_missing_row_refused(org):
    partner = PartnerFactory(organization=org)
    Contact(organization=org, partner_id=partner.pk, name="Jana Weber").full_clean()
    with pytest.raises(ValidationError) as error:
        Contact(organization=org, partner_id=partner.pk + 10_000, name="Jana Weber").full_clean()
    assert "partner" in error.value.message_dict


def test_an_unsaved_related_object_is_still_checked(org):
    partner = PartnerFactory.build(organization=org)
    with pytest.raises(ValidationError) as error:
        Contact(organization=org, partner=partner, name="Jana Weber").full_clean()
    assert "partner" in error.value.message_dict


def test_other_fields_are_still_validated(org):
    partner = PartnerFactory(organization=org)
    with pytest.raises(ValidationError) as error:
        Contact(organization=org, partner=partner, name="", email="not an address").full_clean()
    assert {"name", "email"} <= set(error.value.message_dict)
