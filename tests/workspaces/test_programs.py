"""Workspace pages of programs in motion: a partner sees its own points, tier progress, earnings, fund
requests and joint solutions, acts on them, and sees nothing of another partner or another tenant."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attribution import incentives, mdf, solutions
from attribution.models import MdfRequest, SolutionStep
from partners.models import PointEntry
from tests.factories import (
    CommissionRuleFactory,
    MdfBudgetFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    TierFactory,
    WorkspaceFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def url(name, workspace, *args):
    return reverse(f"workspaces:{name}", args=[workspace.public_id, *args])


@pytest.fixture
def program_world(world):
    org, partnership = world.org, world.partnership
    program = partnership.program
    TierFactory(program=program, name="Registered", rank=1)
    TierFactory(program=program, name="Silver", rank=2, required_points=500)
    partnership.tier = program.tiers.get(name="Registered")
    partnership.save()
    PointEntry.objects.create(
        organization=org,
        partnership=partnership,
        kind="award",
        status="approved",
        points=320,
        occurred_on=TODAY,
        evidence="Certification “Nimbus Admin”",
        source_key="t:1",
        approved_label="Automatic",
    )
    other = world.other_workspace.partnership_links.get().partnership
    PointEntry.objects.create(
        organization=org,
        partnership=other,
        kind="award",
        status="approved",
        points=999,
        occurred_on=TODAY,
        evidence="Beta secret award",
        source_key="t:2",
    )
    CommissionRuleFactory(program=program, rate=Decimal("20"), basis="deal", name="Reseller 20 %")
    opp = OpportunityFactory(
        organization=org, name="Globex renewal", amount=Decimal("12500"), status="won", closed_on=TODAY
    )
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership, role="sourced")
    rival = OpportunityFactory(
        organization=org, name="Beta deal", amount=Decimal("9000"), status="won", closed_on=TODAY
    )
    OpportunityPartnerFactory(organization=org, opportunity=rival, partnership=other, role="sourced")
    CommissionRuleFactory(program=other.program, rate=Decimal("10"), basis="deal", name="Beta rule")
    incentives.commission_accruals(org=org)
    world.budget = MdfBudgetFactory(program=program, amount=Decimal("5000"), name="H1 co-marketing")
    return world


def test_partner_sees_points_next_tier_and_earnings(program_world, client_for):
    w = program_world
    response = client_for(w.ws_viewer).get(url("program", w.workspace))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="points-balance">320<' in body
    assert "320 of 500 points" in body and "What it takes to reach Silver" in body
    assert "Globex renewal" in body and "2,500.00" in body and "12,500.00 EUR × 20.00 % = 2,500.00 EUR" in body
    assert "How is this computed?" in body
    assert "Beta secret award" not in body and "Beta deal" not in body
    # The other partnership's 999 points, as a number of its own (workspace ids are random hex).
    assert not re.search(r"(?<![\w-])999(?![\w-])", body)


def test_partner_files_a_request_and_claims_with_proof(program_world, client_for):
    w = program_world
    client = client_for(w.ws_editor)
    page = client.get(url("funds", w.workspace))
    assert "H1 co-marketing" in page.content.decode() and "5,000.00 EUR left" in page.content.decode()
    data = {
        "partnership": w.partnership.pk,
        "budget": w.budget.pk,
        "activity": "Customer roadshow",
        "start_date": TODAY.isoformat(),
        "end_date": TODAY.isoformat(),
        "amount_requested": "6000",
        "campaign_code": "ROAD-1",
    }
    response = client.post(url("funds", w.workspace), data)
    assert response.status_code == 400 and "more than what is left of the budget" in response.content.decode()
    assert not MdfRequest.objects.for_org(w.org).exists()
    data["amount_requested"] = "3000"
    assert client.post(url("funds", w.workspace), data).status_code == 302
    request = MdfRequest.objects.for_org(w.org).get()
    assert request.submitted_by == w.ws_editor and request.campaign_code == "ROAD-1"
    body = client.get(url("funds", w.workspace)).content.decode()
    assert "An approver decides on the request" in body and "Nimbus Cloud" in body
    mdf.mdf_request_decide(org=w.org, actor=w.vendor_manager, request=request, approve=True)

    bad = SimpleUploadedFile("proof.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(
        url("fund_action", w.workspace, request.pk, "claim"),
        {f"claim-{request.pk}-amount_claimed": "2500", f"claim-{request.pk}-proofs": [bad]},
    )
    assert response.status_code == 400 and "proof.pdf" in response.content.decode()
    good = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 roadshow photos", content_type="application/pdf")
    response = client.post(
        url("fund_action", w.workspace, request.pk, "claim"),
        {
            f"claim-{request.pk}-amount_claimed": "2500",
            f"claim-{request.pk}-results": "40 leads",
            f"claim-{request.pk}-proofs": [good],
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "claimed"
    proof = request.claim.proofs.get()
    assert client.get(url("proof", w.workspace, proof.public_id)).status_code == 200
    # The other partner's workspace does not serve this proof, nor list the request.
    other = client_for(w.other_partner)
    assert other.get(url("proof", w.other_workspace, proof.public_id)).status_code == 404
    assert "Customer roadshow" not in other.get(url("funds", w.other_workspace)).content.decode()


def test_viewers_cannot_file_or_act(program_world, client_for):
    w = program_world
    client = client_for(w.ws_viewer)
    response = client.post(url("funds", w.workspace), {"partnership": w.partnership.pk})
    assert response.status_code == 403


def test_partner_suggests_an_idea_and_approves_its_side(program_world, client_for):
    w = program_world
    client = client_for(w.ws_editor)
    response = client.post(url("solutions", w.workspace), {"title": "Acme ledger sync", "problem": "Double entry"})
    assert response.status_code == 302
    solution = solutions.solution_list(org=w.org).get(title="Acme ledger sync")
    assert solution.source == "partner" and solution.partner_links.get().partnership == w.partnership
    solutions.solution_vet(org=w.org, actor=w.vendor_manager, solution=solution, accept=True)
    build = SolutionStep.objects.for_org(w.org).get(solution=solution, order=1)
    assert client.post(url("step_action", w.workspace, build.pk, "complete")).status_code == 302
    assert client.post(url("step_action", w.workspace, build.pk, "approve")).status_code == 302
    build.refresh_from_db()
    assert build.partner_approved_by == w.ws_editor and build.status == "open"  # the vendor still approves
    body = client.get(url("solutions", w.workspace)).content.decode()
    assert "waiting for approval" in body and "Nimbus Cloud" in body
    # The other partner sees nothing of it and cannot act on its steps.
    other = client_for(w.other_partner)
    assert "Acme ledger sync" not in other.get(url("solutions", w.other_workspace)).content.decode()
    assert other.post(url("step_action", w.other_workspace, build.pk, "approve")).status_code == 404


@pytest.mark.parametrize("name", ["program", "funds", "solutions"])
def test_isolation_of_the_pages(program_world, client_for, outsider, name):
    w = program_world
    for user in (w.other_partner, w.other_org_member, outsider):
        assert client_for(user).get(url(name, w.workspace)).status_code == 404
    assert client_for(None).get(url(name, w.workspace)).status_code == 302
    # A deal room (several partners around one deal) has no program pages.
    room = WorkspaceFactory(organization=w.org, opportunity=OpportunityFactory(organization=w.org))
    WorkspacePartnershipFactory(workspace=room, partnership=w.partnership)
    guest = WorkspaceMemberFactory(workspace=room).user
    assert client_for(guest).get(url(name, room)).status_code == 404


def test_tier_change_and_paid_statement_reach_the_partner(program_world):
    from partners import tiers
    from partners.models import TierMove
    from workspaces.models import Notification

    w = program_world
    PointEntry.objects.create(
        organization=w.org,
        partnership=w.partnership,
        kind="award",
        status="approved",
        points=300,
        occurred_on=TODAY,
        source_key="t:3",
    )
    tiers.tier_evaluation(org=w.org)
    move = TierMove.objects.for_org(w.org).get(partnership=w.partnership)
    tiers.tier_move_apply(org=w.org, actor=w.vendor_manager, move=move)
    notes = Notification.objects.filter(user=w.ws_owner, kind="program")
    assert any("is now on Silver" in n.text for n in notes)
    assert not Notification.objects.filter(user=w.other_partner, kind="program").exists()


@pytest.mark.parametrize("name", ["program", "funds", "solutions"])
def test_pages_have_a_fixed_number_of_queries(program_world, client_for, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = program_world
    client = client_for(w.ws_editor)

    def grow(n):
        for i in range(n):
            PointEntry.objects.create(
                organization=w.org,
                partnership=w.partnership,
                kind="award",
                status="approved",
                points=1,
                occurred_on=TODAY,
                source_key=f"g:{name}:{PointEntry.objects.count()}",
            )
            mdf.mdf_request_submit(
                org=w.org,
                actor=w.ws_editor,
                partnership=w.partnership,
                budget=w.budget,
                activity=f"A{i}",
                start_date=TODAY,
                end_date=TODAY,
                amount_requested="10",
            )
            solutions.solution_idea_submit(
                org=w.org,
                actor=w.ws_editor,
                title=f"S{MdfRequest.objects.count()}",
                problem="p",
                partnerships=[w.partnership],
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(name, w.workspace)).status_code == 200
        return len(ctx.captured_queries)

    grow(1)
    small = count()
    grow(4)
    assert count() == small
