"""`make run` seeds the demo: the printed logins work and a second run keeps the data."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from pom.models import Membership, Organization, Role
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

    # Assessments: answered rounds from both sides over months, partner people answering as themselves.
    from partners.assessment_facts import trust_by_partnership
    from partners.models import AssessmentResponse, SatisfactionScore, Swot

    answers = AssessmentResponse.objects.for_org(org)
    assert answers.filter(side="partner", respondent__memberships__isnull=True, respondent__isnull=False).exists()
    assert answers.filter(side="vendor").exists()
    assert answers.dates("submitted_at", "month").count() >= 3
    assert any(f.partner_side is not None and f.vendor_side is not None for f in trust_by_partnership(org=org).values())
    assert Swot.objects.for_org(org).exists() and SatisfactionScore.objects.for_org(org).count() >= 3

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "exists; use --reset" in again.getvalue()
    assert Organization.objects.filter(slug="nimbus").count() == 1

    # The demo round-trips through org_export / org_import into an emptied database (tests/pom/test_dataport.py).
    tables = assert_round_trip(org, tmp_path)
    assert sum(t["rows"] for t in tables.values()) > 200
    assert len([t for t in tables.values() if t["rows"]]) > 25
