"""Assessment pages: vendor side, the e-mailed link, the workspace; isolation and query counts."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners import assessment_answers
from partners import assessment_services as svc
from partners.defaults import health_questions_seed
from partners.models import AssessmentCampaign, AssessmentInvitation, AssessmentResponse, Swot
from tests.factories import PartnershipFactory, UserFactory, WorkspaceMemberFactory
from workspaces import services as ws_services
from workspaces.models import Side, WorkspaceRole

GOOD = {"reliability": "9", "credibility": "8", "intimacy": "7", "self_orientation": "2"}


def _world_of(org, actor, *, name):
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name=name, owner=actor)
    workspace = ws_services.workspace_ensure_for_partnership(org=org, actor=actor, partnership=partnership)
    return partnership, workspace


def _guest(workspace, email, role=WorkspaceRole.EDITOR):
    user = UserFactory(email=email)
    WorkspaceMemberFactory(
        workspace=workspace, organization=workspace.organization, user=user, side=Side.PARTNER, role=role
    )
    return user


@pytest.fixture
def world(org, other_org, member, viewer, admin_user, other_member, outsider):
    health_questions_seed(org=org)
    health_questions_seed(org=other_org)
    a, ws_a = _world_of(org, member, name="Acme Integrators")
    b, ws_b = _world_of(org, member, name="Beta Partners")
    pat, vera = _guest(ws_a, "pat@acme.example"), _guest(ws_a, "vera@acme.example", WorkspaceRole.VIEWER)
    olga = _guest(ws_b, "olga@beta.example")
    closes = timezone.now() + datetime.timedelta(days=7)
    campaign = svc.campaign_create(
        org=org, actor=member, name="Q4 trust", kind="trust", partnerships=[a, b], closes_at=closes
    )
    # The other tenant, with real rows of every kind.
    foreign, foreign_ws = _world_of(other_org, other_member, name="Foreign Partner")
    _guest(foreign_ws, "fritz@foreign.example")
    foreign_campaign = svc.campaign_create(
        org=other_org, actor=other_member, name="Theirs", kind="both", partnerships=[foreign], closes_at=closes
    )
    foreign_inv = AssessmentInvitation.objects.for_org(other_org).filter(side="partner").first()
    assessment_answers.response_submit(
        invitation=foreign_inv,
        actor=None,
        data={**GOOD, "health": {str(q["id"]): 3 for q in foreign_inv.round.questions}},
    )
    svc.swot_save(org=other_org, actor=other_member, partnership=foreign, year=2026, data={"strengths": "secret"})
    return SimpleNamespace(
        a=a, b=b, ws_a=ws_a, ws_b=ws_b, pat=pat, vera=vera, olga=olga, campaign=campaign,
        round_a=campaign.rounds.get(partnership=a), foreign=foreign, foreign_campaign=foreign_campaign,
        foreign_round=foreign_campaign.rounds.get(), foreign_inv=foreign_inv, foreign_ws=foreign_ws,
        member=member, viewer=viewer, admin=admin_user, other_member=other_member, outsider=outsider,
    )  # fmt: skip


def _vendor_urls(org, w, *, campaign, rnd, partner_pk):
    return [
        reverse("partners:assessments", args=[org.slug]),
        reverse("partners:assessment_campaign", args=[org.slug, campaign.pk]),
        reverse("partners:assessment_round", args=[org.slug, rnd.pk]),
        reverse("partners:health_questions", args=[org.slug]),
        reverse("partners:tab", args=[org.slug, partner_pk, "assessments"]),
    ]


def test_vendor_pages_show_campaign_rates_and_results(org, world, client_for):
    pat_inv = AssessmentInvitation.objects.for_org(org).get(email="pat@acme.example")
    assessment_answers.response_submit(invitation=pat_inv, actor=world.pat, data=GOOD)
    client = client_for(world.viewer)
    urls = _vendor_urls(org, world, campaign=world.campaign, rnd=world.round_a, partner_pk=world.a.partner_id)
    pages = {url: client.get(url) for url in urls}
    assert all(r.status_code == 200 for r in pages.values()), {u: r.status_code for u, r in pages.items()}
    listing = pages[urls[0]].content.decode()
    assert "Q4 trust" in listing and "1 / 5" in listing and "20.0 %" in listing  # pat of 5 invited
    round_page = pages[urls[2]].content.decode()
    assert "(9 + 8 + 7) / 2 = 12.00" in round_page
    assert "Theirs" not in listing and "secret" not in pages[urls[4]].content.decode()
    assert "12.00" in pages[urls[4]].content.decode()  # the partner tab shows the partner side's trust


def test_viewer_cannot_send_or_edit_questions_manager_sends(org, world, client_for):
    url = reverse("partners:assessments", args=[org.slug])
    body = {
        "name": "Pulse",
        "kind": "trust",
        "partnerships": [world.a.pk],
        "closes_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        "reminder_every_days": 3,
    }
    assert client_for(world.viewer).post(url, body).status_code == 403
    swot = reverse("partners:partnership_swot", args=[org.slug, world.a.pk])
    assert client_for(world.viewer).post(swot, {f"swot-{world.a.pk}-year": 2026}).status_code == 403
    score = reverse("partners:satisfaction_create", args=[org.slug, world.a.partner_id])
    assert client_for(world.viewer).post(score, {"partnership": world.a.pk}).status_code == 403
    close = reverse("partners:assessment_close", args=[org.slug, world.campaign.pk])
    assert client_for(world.viewer).post(close).status_code == 403
    questions = reverse("partners:health_questions", args=[org.slug])
    assert client_for(world.member).post(questions, {"text": "New?", "order": 1}).status_code == 403
    assert client_for(world.admin).post(questions, {"text": "Do we meet monthly?", "order": 1}).status_code == 302
    response = client_for(world.member).post(url, body)
    assert response.status_code == 302
    assert AssessmentCampaign.objects.for_org(org).filter(name="Pulse").exists()
    # A partnership of the other organization cannot be slipped in.
    bad = client_for(world.member).post(url, {**body, "name": "Sneaky", "partnerships": [world.foreign.pk]})
    assert bad.status_code == 400 and not AssessmentCampaign.objects.filter(name="Sneaky").exists()


def test_vendor_pages_are_404_for_other_tenant_outsider_and_partner_people(org, other_org, world, client_for):
    ours = _vendor_urls(org, world, campaign=world.campaign, rnd=world.round_a, partner_pk=world.a.partner_id)
    for user in (world.other_member, world.outsider, world.pat, world.olga):
        for url in ours:
            assert client_for(user).get(url).status_code == 404, (user.email, url)
    # Their objects under our organization's address.
    theirs = [
        reverse("partners:assessment_campaign", args=[org.slug, world.foreign_campaign.pk]),
        reverse("partners:assessment_round", args=[org.slug, world.foreign_round.pk]),
        reverse("partners:tab", args=[org.slug, world.foreign.partner_id, "assessments"]),
    ]
    for url in theirs:
        assert client_for(world.member).get(url).status_code == 404, url
    swot_url = reverse("partners:partnership_swot", args=[org.slug, world.foreign.pk])
    assert client_for(world.member).post(swot_url, {f"swot-{world.foreign.pk}-year": 2026}).status_code == 404
    close = reverse("partners:assessment_close", args=[org.slug, world.foreign_campaign.pk])
    assert client_for(world.member).post(close).status_code == 404
    assert AssessmentCampaign.objects.get(pk=world.foreign_campaign.pk).status == "open"


def test_link_answers_without_password_once(org, world, client_for, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        svc.campaign_create(
            org=org, actor=world.member, name="Link test", kind="trust", partnerships=[world.b],
            closes_at=timezone.now() + datetime.timedelta(days=3),
        )  # fmt: skip
    mail = next(m for m in mailoutbox if m.to == ["olga@beta.example"])
    url = re.search(r"https?://[^/]+(/assessments/[^\s]+/)", mail.body).group(1)
    anonymous = client_for(None)
    assert anonymous.get(url).status_code == 200
    bad = anonymous.post(url, {**GOOD, "self_orientation": "0"})
    assert bad.status_code == 400 and "Self-orientation cannot be zero" in bad.content.decode()
    assert not AssessmentResponse.objects.for_org(org).filter(respondent_email="olga@beta.example").exists()
    # Signed in as somebody else: refused.
    assert client_for(world.pat).get(url).status_code == 403
    done = anonymous.post(url, GOOD)
    assert done.status_code == 200 and "your answers are in" in done.content.decode()
    answer = AssessmentResponse.objects.for_org(org).get(
        respondent_email="olga@beta.example", round__campaign__name="Link test"
    )
    assert (answer.respondent, answer.side, answer.trust) == (world.olga, "partner", 12)
    again = anonymous.post(url, GOOD)
    assert again.status_code == 410 and "already answered" in again.content.decode()
    assert client_for(None).get("/assessments/forged.token/").status_code == 404


def test_workspace_answer_and_swot_both_sides(org, world, client_for):
    pat = client_for(world.pat)
    page = pat.get(reverse("workspaces:assessments", args=[world.ws_a.public_id]))
    assert page.status_code == 200 and "Q4 trust" in page.content.decode()
    inv = AssessmentInvitation.objects.for_org(org).get(email="pat@acme.example")
    answer_url = reverse("workspaces:assessment_answer", args=[world.ws_a.public_id, inv.pk])
    assert pat.get(answer_url).status_code == 200
    assert pat.post(answer_url, {**GOOD, "reliability": "12"}).status_code == 400
    assert pat.post(answer_url, GOOD).status_code == 302
    assert AssessmentResponse.objects.for_org(org).get(invitation=inv).respondent == world.pat
    assert pat.get(answer_url).status_code == 404  # answered: no longer open

    swot = {"partnership": world.a.pk, f"swot-{world.a.pk}-year": 2026, f"swot-{world.a.pk}-threats": "Price war"}
    url = reverse("workspaces:assessments", args=[world.ws_a.public_id])
    assert pat.post(url, swot).status_code == 302
    assert client_for(world.vera).post(url, swot).status_code == 403  # workspace viewer
    assert Swot.objects.for_org(org).get(partnership=world.a).updated_by == world.pat
    # Vera, a viewer, still answers her own questionnaire.
    vera_inv = AssessmentInvitation.objects.for_org(org).get(email="vera@acme.example")
    vera_url = reverse("workspaces:assessment_answer", args=[world.ws_a.public_id, vera_inv.pk])
    assert client_for(world.vera).post(vera_url, GOOD).status_code == 302


def test_workspace_pages_404_for_guest_of_another_partnership_and_other_tenant(org, world, client_for):
    olga_inv = AssessmentInvitation.objects.for_org(org).get(email="olga@beta.example")
    pat_inv = AssessmentInvitation.objects.for_org(org).get(email="pat@acme.example")
    olga = client_for(world.olga)
    assert olga.get(reverse("workspaces:assessments", args=[world.ws_a.public_id])).status_code == 404
    assert olga.get(reverse("workspaces:assessment_answer", args=[world.ws_a.public_id, pat_inv.pk])).status_code == 404
    # Someone else's questionnaire in her own workspace's address, and her own in a workspace of another tenant.
    assert olga.get(reverse("workspaces:assessment_answer", args=[world.ws_b.public_id, pat_inv.pk])).status_code == 404
    assert olga.post(
        reverse("workspaces:assessment_answer", args=[world.ws_b.public_id, pat_inv.pk]), GOOD
    ).status_code == 404  # fmt: skip
    assert olga.get(reverse("workspaces:assessments", args=[world.foreign_ws.public_id])).status_code == 404
    foreign_answer = reverse("workspaces:assessment_answer", args=[world.foreign_ws.public_id, olga_inv.pk])
    assert olga.get(foreign_answer).status_code == 404
    assert (
        client_for(world.outsider).get(reverse("workspaces:assessments", args=[world.ws_a.public_id])).status_code
        == 404
    )
    assert not AssessmentResponse.objects.for_org(org).filter(invitation=pat_inv).exists()


def test_list_pages_query_counts_do_not_grow(org, world, client_for):
    client = client_for(world.member)

    def counts(campaign):
        result = []
        for url in (
            reverse("partners:assessments", args=[org.slug]),
            reverse("partners:assessment_campaign", args=[org.slug, campaign.pk]),
            reverse("partners:tab", args=[org.slug, world.a.partner_id, "assessments"]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    pat_inv = AssessmentInvitation.objects.for_org(org).get(email="pat@acme.example")
    assessment_answers.response_submit(invitation=pat_inv, actor=world.pat, data=GOOD)
    small = counts(world.campaign)
    more = [PartnershipFactory(organization=org, partner=world.a.partner) for _ in range(3)]
    more += [_world_of(org, world.member, name=f"Extra {n}")[0] for n in range(3)]
    for n in range(4):
        big = svc.campaign_create(
            org=org, actor=world.member, name=f"Extra {n}", kind="both", partnerships=[world.a, *more],
            closes_at=timezone.now() + datetime.timedelta(days=3),
        )  # fmt: skip
    for inv in AssessmentInvitation.objects.for_org(org).filter(side="vendor")[:6]:
        assessment_answers.response_submit(
            invitation=inv, actor=None, data={**GOOD, "health": {str(q["id"]): 4 for q in inv.round.questions}}
        )
    assert counts(big) == small
