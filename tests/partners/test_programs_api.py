"""API of point rules, the points ledger (manual lines, four eyes, LMS sync) and tier proposals."""

import datetime

import pytest
from django.urls import reverse

from partners import tiers
from partners.models import PointEntry, TierMove
from pom.models import Role
from tests.factories import (
    MembershipFactory,
    PartnershipFactory,
    PointRuleFactory,
    ProgramFactory,
    TierFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today().isoformat()


def u(name, org, *args):
    return reverse(f"partners-api:{name}", args=[org.slug, *args])


def test_lms_sync_awards_points_once_per_external_id(org, api_key_client):
    partnership = PartnershipFactory(organization=org)
    rule = PointRuleFactory(program=partnership.program, activity="training", points=25)
    client = api_key_client("write")
    items = [
        {
            "partnership": partnership.pk,
            "rule": rule.pk,
            "external_id": "course-9",
            "occurred_on": TODAY,
            "evidence": "Nimbus 101",
        }
    ]
    response = client.post(u("point-entry-bulk", org), {"items": items}, format="json")
    assert response.status_code == 200 and response.json() == {"created": 1, "skipped": 0}
    assert client.post(u("point-entry-bulk", org), items, format="json").json() == {"created": 0, "skipped": 1}
    other_rule = PointRuleFactory(program=ProgramFactory(organization=org), activity="training", points=5)
    bad = [*items, {**items[0], "rule": other_rule.pk, "external_id": "course-10"}]
    response = client.post(u("point-entry-bulk", org), {"items": bad}, format="json")
    assert response.status_code == 400 and "1" in response.json()["errors"]
    assert PointEntry.objects.for_org(org).count() == 1
    assert api_key_client("read").post(u("point-entry-bulk", org), items, format="json").status_code == 403


def test_manual_line_needs_a_reason_and_a_second_person(org, member, api_client_for):
    partnership = PartnershipFactory(organization=org)
    client = api_client_for(member)
    response = client.post(u("point-entry-list", org), {"partnership": partnership.pk, "points": 30, "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    entry = client.post(
        u("point-entry-list", org), {"partnership": partnership.pk, "points": 30, "reason": "Joint webinar"}
    ).json()
    assert entry["status"] == "pending"
    assert client.post(u("point-entry-approve", org, entry["id"])).status_code == 400
    second = api_client_for(MembershipFactory(organization=org, role=Role.MANAGER).user)
    assert second.post(u("point-entry-approve", org, entry["id"])).json()["status"] == "approved"


def test_rules_and_tier_moves(org, member, api_client_for, django_capture_on_commit_callbacks):
    program = ProgramFactory(organization=org)
    TierFactory(program=program, rank=1, name="Base")
    client = api_client_for(member)
    rule = client.post(
        u("point-rule-list", org),
        {"program": program.pk, "activity": "deal_won", "name": "Per 10k", "points": 10, "per_amount": "10000"},
        format="json",
    )
    assert rule.status_code == 201
    PartnershipFactory(organization=org, program=program)
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(u("tier-move-evaluate", org))
    assert job.status_code == 202 and job.json()["kind"] == "partners.tier_evaluation"
    move = client.get(u("tier-move-list", org), {"status": "proposed"}).json()["results"][0]
    assert move["reasons"] == [] and move["direction"] == "upgrade"
    applied = client.post(u("tier-move-apply", org, move["id"]), {}, format="json")
    assert applied.json()["status"] == "applied"


def test_isolation(org, other_org, other_member, outsider, api_client_for, api_key_client):
    partnership = PartnershipFactory(organization=org)
    rule = PointRuleFactory(program=partnership.program)
    entry = PointEntry.objects.create(
        organization=org,
        partnership=partnership,
        points=5,
        kind="manual",
        status="pending",
        occurred_on=TODAY,
        reason="r",
    )
    TierFactory(program=partnership.program, rank=1)
    tiers.tier_evaluation(org=org)
    move = TierMove.objects.for_org(org).get()
    guest = WorkspaceMemberFactory(
        workspace=WorkspacePartnershipFactory(partnership=partnership, workspace__organization=org).workspace
    ).user
    foreign_key = api_key_client("write", for_org=other_org)
    for client in (api_client_for(other_member), api_client_for(outsider), api_client_for(guest), foreign_key):
        assert client.get(u("point-entry-list", org)).status_code == 404
        assert client.get(u("point-rule-detail", org, rule.pk)).status_code == 404
        assert client.post(u("point-entry-approve", org, entry.pk)).status_code == 404
        assert client.post(u("tier-move-apply", org, move.pk)).status_code == 404
    # Inside the other organization, this organization's ids are unknown.
    assert api_client_for(other_member).get(u("tier-move-detail", other_org, move.pk)).status_code == 404
    reader = api_key_client("read")
    assert reader.get(u("point-entry-list", org)).status_code == 200
    assert reader.post(u("tier-move-apply", org, move.pk)).status_code == 403
