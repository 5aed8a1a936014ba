"""Vendor pages for points and tier reviews: four eyes from the page, applying moves, roles, other tenants."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners import points, tiers
from partners.models import PointEntry, TierMove
from pom.models import Role
from tests.factories import MembershipFactory, PartnershipFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def u(name, org, *args):
    return reverse(f"partners:{name}", args=[org.slug, *args])


def test_manual_award_from_the_page_is_approved_by_a_second_manager(org, member, client_for):
    partnership = PartnershipFactory(organization=org)
    client = client_for(member)
    response = client.post(
        u("points", org), {"form": "manual", "partnership": partnership.pk, "points": 40, "reason": ""}
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    client.post(
        u("points", org),
        {"form": "manual", "partnership": partnership.pk, "points": 40, "reason": "Spoke at our partner summit"},
    )
    entry = PointEntry.objects.for_org(org).get()
    client.post(u("point_decide", org, entry.pk, "approve"))
    entry.refresh_from_db()
    assert entry.status == "pending"  # the requester cannot approve their own request
    second = MembershipFactory(organization=org, role=Role.MANAGER).user
    client_for(second).post(u("point_decide", org, entry.pk, "approve"))
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.approved_by == second
    assert "Spoke at our partner summit" in client.get(u("points", org)).content.decode()


def test_rule_added_from_the_page(org, member, client_for):
    program = ProgramFactory(organization=org)
    client_for(member).post(
        u("points", org),
        {"form": "rule", "program": program.pk, "activity": "training", "name": "Course done", "points": 30},
    )
    assert points.point_rule_list(org=org, program=program).get().points == 30


def test_tier_move_is_applied_from_the_page(org, member, client_for):
    program = ProgramFactory(organization=org)
    TierFactory(program=program, name="Base", rank=1)
    partnership = PartnershipFactory(organization=org, program=program)
    tiers.tier_evaluation(org=org)
    move = TierMove.objects.for_org(org).get()
    client = client_for(member)
    body = client.get(u("tier_moves", org)).content.decode()
    assert f"move-{move.pk}" in body and "Base" in body
    client.post(u("tier_move_action", org, move.pk, "apply"), {"effective_on": TODAY.isoformat()})
    partnership.refresh_from_db()
    assert partnership.tier.name == "Base"


def test_review_now_queues_a_job(org, member, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(member).post(u("tier_moves", org)).status_code == 302
    from pom import jobs

    assert jobs.job_latest(org=org, kind="partners.tier_evaluation").status == "done"


def test_roles_and_other_tenants(org, other_org, viewer, member, client_for):
    assert client_for(viewer).get(u("points", org)).status_code == 200
    assert client_for(viewer).post(u("tier_moves", org)).status_code == 403
    foreign = PointEntry.objects.create(
        organization=other_org,
        partnership=PartnershipFactory(organization=other_org),
        points=5,
        kind="manual",
        status="pending",
        occurred_on=TODAY,
        reason="x",
    )
    assert client_for(member).post(u("point_decide", org, foreign.pk, "approve")).status_code == 404
    program = ProgramFactory(organization=other_org)
    TierFactory(program=program, rank=1)
    PartnershipFactory(organization=other_org, program=program)
    tiers.tier_evaluation(org=other_org)
    move = TierMove.objects.for_org(other_org).get()
    assert client_for(member).post(u("tier_move_action", org, move.pk, "apply")).status_code == 404


@pytest.mark.parametrize("name", ["points", "tier_moves"])
def test_pages_have_a_fixed_number_of_queries(org, member, client_for, name):
    program = ProgramFactory(organization=org)
    TierFactory(program=program, rank=1)

    def grow(n):
        for _ in range(n):
            p = PartnershipFactory(organization=org, program=program)
            PointEntry.objects.create(
                organization=org,
                partnership=p,
                points=5,
                kind="manual",
                status="pending",
                occurred_on=TODAY,
                reason="r",
            )
        TierMove.objects.for_org(org).delete()
        tiers.tier_evaluation(org=org)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(member).get(u(name, org)).status_code == 200
        return len(ctx.captured_queries)

    grow(1)
    small = count()
    grow(5)
    assert count() == small
