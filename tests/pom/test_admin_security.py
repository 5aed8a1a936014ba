"""The Django admin's security pages: an operator unlocks a locked account (audited); policies and
webhooks are shown read-only, secrets never."""

import pytest
from django.utils import timezone

from pom import security
from pom.models import AuditEvent, Role
from pom.models_security import LoginThrottle, OrgSecurity
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def operator_client(db, client):
    """A Django admin operator (staff superuser), signed in to /admin/."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_an_operator_unlocks_a_locked_account_and_it_is_audited(operator_client, org):
    person = MembershipFactory(organization=org, role=Role.VIEWER, user__email="locked@nimbus.example").user
    for _ in range(5):
        security.login_failed(email=person.email, address="203.0.113.9")
    throttle = LoginThrottle.objects.get(key__startswith="account:")
    assert throttle.locked_until > timezone.now()
    listing = operator_client.get("/admin/pom/loginthrottle/")
    assert listing.status_code == 200 and "locked@nimbus.example" in listing.content.decode()
    response = operator_client.post(
        "/admin/pom/loginthrottle/", {"action": "unlock", "_selected_action": [throttle.pk]}, follow=True
    )
    assert "1 unlocked." in response.content.decode()
    assert not LoginThrottle.objects.filter(pk=throttle.pk).exists()
    assert AuditEvent.objects.for_org(org).filter(verb="account.unlocked").exists()


def test_policies_and_webhooks_are_read_only_and_hide_secrets(operator_client, org):
    policy = OrgSecurity.objects.create(organization=org, sso_client_secret_encrypted="gAAAA-secret")
    page = operator_client.get(f"/admin/pom/orgsecurity/{policy.pk}/change/")
    assert page.status_code == 200 and "gAAAA-secret" not in page.content.decode()
    assert operator_client.get("/admin/pom/orgsecurity/add/").status_code == 403
    assert operator_client.get("/admin/pom/webhookendpoint/").status_code == 200
    assert operator_client.get("/admin/pom/webhookdelivery/").status_code == 200
