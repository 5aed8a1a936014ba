"""The one service-write base (`pom.api.base.ServiceViewSet`) through real endpoints that declare its hooks:
re-reads that ignore hand-read query filters, a create that answers 204, PATCH checked whole, one row per
organization, queued jobs, writes that belong to people, write-only endpoints, and the schema it derives."""

import pytest
from django.urls import reverse

from pom.models import Job
from reports.models import ScoreTarget
from tests.factories import PartnershipFactory, WorkspaceFactory, WorkspaceMemberFactory
from workspaces.models import WorkspaceMember

pytestmark = pytest.mark.django_db


def test_write_answers_its_row_even_when_the_query_string_filters_it_out(org, member, api_client_for):
    """`filter_request()` narrows reads by hand-read parameters; the answer of a write ignores it."""
    mine, other = PartnershipFactory(organization=org), PartnershipFactory(organization=org)
    url = reverse("reports-api:scoretarget-list", args=[org.slug]) + f"?partnership={other.pk}"
    response = api_client_for(member).post(url, {"partnership": mine.pk, "element": "trust", "value": "60"})
    assert response.status_code == 201, response.content
    assert response.json()["partnership"] == mine.pk and response.json()["value"] == "60.0"
    listed = api_client_for(member).get(url).json()["results"]
    assert listed == []  # the read keeps honouring the filter


def test_create_hook_with_nothing_to_show_answers_204(org, member, api_client_for):
    partnership = PartnershipFactory(organization=org)
    client, url = api_client_for(member), reverse("reports-api:scoretarget-list", args=[org.slug])
    assert client.post(url, {"partnership": partnership.pk, "element": "trust", "value": "60"}).status_code == 201
    cleared = client.post(url, {"partnership": partnership.pk, "element": "trust", "value": ""})
    assert cleared.status_code == 204 and cleared.content == b""
    assert not ScoreTarget.objects.for_org(org).exists()


def test_patch_checked_whole_refuses_a_body_without_its_fields(org, admin_user, api_client_for):
    """`patch_partial = False`: the member endpoint's PATCH needs the role, as its service does."""
    ws_member = WorkspaceMemberFactory(workspace=WorkspaceFactory(organization=org))
    url = reverse("workspaces-api:member-detail", args=[org.slug, ws_member.pk])
    client = api_client_for(admin_user)
    refused = client.patch(url, {}, format="json")
    assert refused.status_code == 400 and "role" in refused.json()["errors"]
    changed = client.patch(url, {"role": "viewer"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "viewer"
    assert WorkspaceMember.objects.for_org(org).get(pk=ws_member.pk).role == "viewer"


def test_single_object_endpoint_reads_and_patches_without_an_id(org, owner, api_client_for):
    client, url = api_client_for(owner), reverse("pom-api:security-policy", args=[org.slug])
    assert client.get(url).json()["sso_default_role"] == "viewer"
    patched = client.patch(url, {"default_role": "manager"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["sso_default_role"] == "manager" and patched.json()["sso_enabled"] is False
    assert client.get(url).json()["sso_default_role"] == "manager"
    assert client.put(url, {"default_role": "viewer"}, format="json").status_code == 405


def test_action_that_queues_a_job_answers_202_with_the_job(org, member, api_client_for):
    response = api_client_for(member).post(reverse("reports-api:score-run", args=[org.slug]))
    assert response.status_code == 202
    job = Job.objects.for_org(org).get(pk=response.json()["id"])
    assert response.json()["kind"] == job.kind and response.json()["status"] == job.status


def test_write_that_belongs_to_a_person_refuses_an_api_key(org, api_key_client):
    workspace = WorkspaceFactory(organization=org)
    url = reverse("workspaces-api:comment-list", args=[org.slug])
    response = api_key_client("write").post(url, {"workspace": str(workspace.public_id), "body": "Hi"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Comments are written by people, not API keys."


def test_write_only_endpoint_has_no_read_routes(org, member, api_client_for):
    client = api_client_for(member)
    assert client.get(reverse("attribution-api:match-decision-list", args=[org.slug])).status_code == 405
    assert client.get(f"/api/o/{org.slug}/match-decisions/1/").status_code == 404


def test_schema_describes_endpoints_with_their_own_docstrings(client):
    schema = client.get("/api/schema/?format=json").json()
    descriptions = [op.get("description", "") for path in schema["paths"].values() for op in path.values()]
    assert not [d for d in descriptions if "service-write base" in d]  # the base's docstring is about POM's code
    account_maps = schema["paths"]["/api/o/{org_slug}/account-maps/"]["post"]
    assert account_maps["description"] == "The partnership's map (created with nothing shared when missing)."
    targets = schema["paths"]["/api/o/{org_slug}/score-targets/"]["post"]["responses"]
    assert {"201", "204"} <= set(targets)
