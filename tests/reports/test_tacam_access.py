"""Isolation of every score page and endpoint with real objects of another tenant, and partner sharing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reports import services
from reports.models import ScoreTarget
from tests.factories import PartnershipFactory, ProgramFactory, WorkspaceMemberFactory, WorkspacePartnershipFactory
from tests.reports.test_tacam_run import build, run_all
from workspaces.models import Side


@pytest.fixture
def scored(org, other_org, member, other_member, django_capture_on_commit_callbacks):
    """A scored partnership in each organization, each in its own workspace with a partner person."""
    mine = build(org, 1, ProgramFactory(organization=org), member=member)[0]
    theirs = build(other_org, 1, ProgramFactory(organization=other_org), member=other_member)[0]
    run_all(org, django_capture_on_commit_callbacks)
    run_all(other_org, django_capture_on_commit_callbacks)
    workspaces = {}
    for p in (mine, theirs):
        ws = p.workspace_links.get().workspace
        guest = WorkspaceMemberFactory(workspace=ws, side=Side.PARTNER).user
        workspaces[p.pk] = (ws, guest)
    return mine, theirs, workspaces


def _pages(org, partnership):
    return [
        reverse("reports:partner_tab", args=[org.slug, partnership.partner_id]),
        reverse("reports:signal_rows", args=[org.slug, partnership.pk, "trust", "workspace_sharing"]),
    ]


def test_pages_of_another_tenants_objects_are_404(org, scored, member, client_for):
    mine, theirs, _ws = scored
    client = client_for(member)
    for url in _pages(org, theirs):  # my organization's URL, their object
        assert client.get(url).status_code == 404, url
    for url in _pages(org, mine):
        assert client.get(url).status_code == 200, url
    for name in ("reports:targets", "reports:recompute"):
        assert client.post(reverse(name, args=[org.slug, theirs.pk]), {"trust": "50"}).status_code == 404
    assert not ScoreTarget.objects.filter(partnership=theirs).exists()


def test_outsiders_and_guests_get_404_on_vendor_pages(org, scored, other_member, outsider, client_for):
    mine, _theirs, workspaces = scored
    guest = workspaces[mine.pk][1]
    urls = [*_pages(org, mine), reverse("reports:scores", args=[org.slug])]
    urls.append(reverse("reports:scoring_model", args=[org.slug]))
    for user in (other_member, outsider, guest):
        for url in urls:
            assert client_for(user).get(url).status_code == 404, (user, url)


def test_viewer_cannot_write_and_manager_cannot_change_the_model(org, scored, viewer, member, client_for):
    mine = scored[0]
    targets = reverse("reports:targets", args=[org.slug, mine.pk])
    assert client_for(viewer).post(targets, {"trust": "5"}).status_code == 403
    model = reverse("reports:scoring_model", args=[org.slug])
    assert client_for(member).post(model, {"action": "save"}).status_code == 403


def test_partner_sees_only_the_shared_elements_of_its_own_workspace(org, scored, admin_user, client_for):
    mine, theirs, workspaces = scored
    ws, guest = workspaces[mine.pk]
    url = reverse("reports-ws:scores", args=[ws.public_id])
    client = client_for(guest)
    body = client.get(url).content.decode()
    assert "does not share scores" in body and 'data-score="trust"' not in body
    services.sharing_update(org=org, actor=admin_user, shared_elements=["trust", "commitment"], share_overall=False)
    body = client.get(url).content.decode()
    assert 'data-score="trust"' in body and 'data-score="commitment"' in body
    assert 'data-score="accountability"' not in body and 'data-score="overall"' not in body
    assert "Peer" not in body and "/o/" + org.slug not in body
    # another partnership's workspace (of another tenant, and of another partner of this tenant): 404
    other_ws, _ = workspaces[theirs.pk]
    assert client.get(reverse("reports-ws:scores", args=[other_ws.public_id])).status_code == 404
    neighbour = WorkspacePartnershipFactory(
        organization=org, workspace__organization=org, partnership=PartnershipFactory(organization=org)
    ).workspace
    assert client.get(reverse("reports-ws:scores", args=[neighbour.public_id])).status_code == 404


def test_api_scores_targets_models_are_scoped_and_validated(
    org, scored, member, admin_user, api_client_for, api_key_client
):
    mine, theirs, _ws = scored
    api = api_client_for(member)
    data = api.get(reverse("reports-api:score-list", args=[org.slug])).json()
    assert [r["partnership"] for r in data["results"]] == [mine.pk]
    detail = api.get(reverse("reports-api:score-detail", args=[org.slug, data["results"][0]["id"]])).json()
    assert detail["signals"]["accountability"]["signals"]["overdue"]["contribution"] == "15.0"
    their_score = theirs.score_snapshots.get().pk
    assert api.get(reverse("reports-api:score-detail", args=[org.slug, their_score])).status_code == 404
    targets = reverse("reports-api:scoretarget-list", args=[org.slug])
    assert api.post(targets, {"partnership": theirs.pk, "element": "trust", "value": "50"}).status_code == 400
    bad = api.post(targets, {"partnership": mine.pk, "element": "trust", "value": "150"})
    assert bad.status_code == 400 and "value" in str(bad.json())
    ok = api.post(targets, {"partnership": mine.pk, "element": "trust", "value": "72.5"})
    assert ok.status_code == 201 and Decimal(ok.json()["value"]) == Decimal("72.5")
    models = reverse("reports-api:scoringmodel-list", args=[org.slug])
    assert api.get(models).json()["results"][0]["version"] == 1
    body = {"weights": {"trust": {"trust_assessment": -5}}, "element_weights": {}}
    assert api.post(models, body, format="json").status_code == 403  # managers read, admins write
    refused = api_client_for(admin_user).post(models, body, format="json")
    assert refused.status_code == 400 and "weights.trust.trust_assessment" in str(refused.json())
    run = api_key_client("write").post(reverse("reports-api:score-run", args=[org.slug]))
    assert run.status_code == 202
    assert api_key_client("read").post(reverse("reports-api:score-run", args=[org.slug])).status_code == 403
