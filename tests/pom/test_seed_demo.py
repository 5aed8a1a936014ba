"""`make run` seeds the demo: the printed logins work and a second run keeps the data."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from pom.models import (
    ApiKey,
    AuditEvent,
    Membership,
    Organization,
    OrgSecurity,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.pom.test_dataport import assert_round_trip


@pytest.mark.django_db
def test_seed_demo_builds_the_vendor_and_its_printed_logins_work(client, tmp_path):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    org = Organization.objects.get(slug="nimbus")
    roles = set(Membership.objects.filter(organization=org).values_list("role", flat=True))
    assert roles == {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.VIEWER}

    logins = re.findall(r"^\s+(\w[\w ]*?)\s+(\S+@\S+)\s+(\S+)$", out.getvalue(), re.M)
    assert len(logins) >= 4
    who, email, password = next(row for row in logins if row[0] == "Admin")
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, "demo e-mail addresses are verified, so login goes straight in"
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["nimbus"])
    assert client.get(reverse("org_members", args=["nimbus"])).status_code == 200

    # Issue 16's features are in the demo, as real services left them (tests/pom/test_seed_demo.py).
    endpoint = WebhookEndpoint.objects.for_org(org).get(url="https://hooks.example.com/pom")
    deliveries = WebhookDelivery.objects.for_org(org).filter(endpoint=endpoint)
    assert deliveries.count() >= 2 and not deliveries.filter(status="succeeded").exists()
    assert all(d.last_error and d.attempts == 1 for d in deliveries)  # the genuine error of a real attempt
    assert endpoint.previous_secret_encrypted  # rotated, the old secret still signing for the overlap
    policy = OrgSecurity.objects.for_org(org).get()
    assert not policy.sso_enabled and policy.sso_issuer.startswith("https://") and policy.sso_email_domains
    assert ApiKey.objects.for_org(org).filter(expires_at__isnull=False, replaced_by__isnull=False).exists()
    from allauth.mfa.utils import is_mfa_enabled

    sofia = Membership.objects.get(organization=org, user__email="sofia.security@nimbus.example").user
    assert is_mfa_enabled(sofia) and "TOTP secret" in out.getvalue()
    verbs = set(AuditEvent.objects.for_org(org).values_list("verb", flat=True))
    assert {"webhook.secret_rotated", "rotated"} <= verbs

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "exists; use --reset" in again.getvalue()
    assert Organization.objects.filter(slug="nimbus").count() == 1

    # The demo round-trips through org_export / org_import into an emptied database (tests/pom/test_dataport.py).
    tables = assert_round_trip(org, tmp_path)
    assert sum(t["rows"] for t in tables.values()) > 200
    assert len([t for t in tables.values() if t["rows"]]) > 25
