"""The digest and suggestion API: reads, edits, approval, runs and suggestion actions, isolated per
organization, with read keys refused on writes and query counts independent of the page size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import KeyResultFactory
from workspaces import digest_facts, digest_services, nba_services
from workspaces.models import Digest, Suggestion, Workspace

TODAY = timezone.localdate()


@pytest.fixture
def api_world(world):
    plan = world.plan
    plan.period_start, plan.period_end = TODAY - datetime.timedelta(days=90), TODAY + datetime.timedelta(days=10)
    plan.save()
    KeyResultFactory(
        objective=plan.objectives.first(),
        name="Joint pipeline",
        target=100,
        current_value=5,
        last_checkin_at=timezone.now(),
    )
    ids = list(Workspace.objects.for_org(world.org).values_list("pk", flat=True))
    digest_services.generate_batch(
        org=world.org, kind="weekly", period=digest_facts.period_key("weekly", TODAY), workspace_ids=ids, today=TODAY
    )
    nba_services.refresh(org=world.org, workspace_ids=ids, today=TODAY)
    world.digest = Digest.objects.for_org(world.org).get(workspace=world.workspace)
    return world


def _url(name, org, *args):
    return reverse(f"workspaces-api:{name}", args=[org.slug, *args])


def test_digests_list_and_detail_with_figures_and_filters(api_world, api_client_for):
    w = api_world
    client = api_client_for(w.vendor_viewer)
    body = client.get(_url("digest-list", w.org) + "?status=draft").json()
    assert body["count"] == 2
    detail = client.get(_url("digest-detail", w.org, w.digest.pk)).json()
    assert detail["workspace"] == str(w.workspace.public_id)
    assert any(f["name"] == "Joint pipeline" and f["url"].endswith(f"#kr-{f['key_result']}") for f in detail["figures"])


def test_edit_and_approve_through_the_api_with_a_write_key(
    api_world, api_key_client, django_capture_on_commit_callbacks
):
    w = api_world
    client = api_key_client("write")
    response = client.patch(
        _url("digest-detail", w.org, w.digest.pk), {"subject": "Edited", "body": "Short."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "edited"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("digest-approve", w.org, w.digest.pk))
    assert response.status_code == 200
    w.digest.refresh_from_db()
    assert w.digest.status == "sent"
    again = client.post(_url("digest-approve", w.org, w.digest.pk))
    assert again.status_code == 400 and "already" in again.json()["detail"]


def test_bad_input_names_the_field_and_writes_nothing(api_world, api_client_for):
    w = api_world
    client = api_client_for(w.vendor_manager)
    response = client.patch(_url("digest-detail", w.org, w.digest.pk), {"subject": " ", "body": "x"}, format="json")
    assert response.status_code == 400 and "subject" in response.json()["errors"]
    assert Digest.objects.get(pk=w.digest.pk).status == "draft"
    s = Suggestion.objects.for_org(w.org).filter(status="open").first()
    response = client.post(_url("suggestion-dismiss", w.org, s.pk), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client.post(_url("suggestion-snooze", w.org, s.pk), {"until": "soon"}, format="json")
    assert response.status_code == 400 and "until" in response.json()["errors"]
    response = client.post(_url("digest-run", w.org), {"kind": "hourly"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    assert Suggestion.objects.get(pk=s.pk).status == "open"


def test_read_keys_viewers_other_tenants_and_outsiders(api_world, api_key_client, api_client_for, other_org, outsider):
    w = api_world
    digest_url = _url("digest-approve", w.org, w.digest.pk)
    s = Suggestion.objects.for_org(w.org).filter(status="open").first()
    accept_url = _url("suggestion-accept", w.org, s.pk)
    assert api_key_client("read").post(digest_url).status_code == 403
    assert api_key_client("read").get(_url("suggestion-list", w.org)).status_code == 200
    assert api_client_for(w.vendor_viewer).post(accept_url).status_code == 403
    other_key = api_key_client("write", for_org=other_org)
    assert other_key.get(_url("digest-detail", w.org, w.digest.pk)).status_code == 404
    assert other_key.post(accept_url).status_code == 404
    # the other organization's own URL does not reach our rows either
    assert other_key.get(_url("digest-detail", other_org, w.digest.pk)).status_code == 404
    assert other_key.post(_url("suggestion-accept", other_org, s.pk)).status_code == 404
    assert api_client_for(w.other_org_member).get(_url("suggestion-list", w.org)).status_code == 404
    assert api_client_for(outsider).get(_url("digest-list", w.org)).status_code == 404
    assert api_client_for(w.ws_editor).get(_url("digest-list", w.org)).status_code == 404  # partner person
    assert Suggestion.objects.get(pk=s.pk).status == "open"


def test_accept_snooze_and_run(api_world, api_client_for, django_capture_on_commit_callbacks):
    w = api_world
    client = api_client_for(w.vendor_manager)
    s = Suggestion.objects.for_org(w.org).filter(status="open", rule="kr_behind").first()
    body = client.post(_url("suggestion-accept", w.org, s.pk)).json()
    assert body["status"] == "accepted" and body["activity"]
    other = Suggestion.objects.for_org(w.org).filter(status="open").first()
    until = (TODAY + datetime.timedelta(days=5)).isoformat()
    assert (
        client.post(_url("suggestion-snooze", w.org, other.pk), {"until": until}, format="json").json()["status"]
        == "snoozed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("digest-run", w.org), {"kind": "weekly"}, format="json")
    assert response.status_code == 202


def test_suggestion_list_query_count_does_not_grow_with_rows(api_world, api_client_for):
    w = api_world
    client = api_client_for(w.vendor_manager)
    with CaptureQueriesContext(connection) as few:
        first = client.get(_url("suggestion-list", w.org)).json()
    for s in list(Suggestion.objects.for_org(w.org)):
        for i in range(3):
            Suggestion.objects.create(
                organization=w.org,
                partnership_id=s.partnership_id,
                rule=f"{s.rule}_{i}",
                target_type=s.target_type,
                target_id=s.target_id,
                title=s.title,
                fingerprint="x",
            )
    with CaptureQueriesContext(connection) as many:
        second = client.get(_url("suggestion-list", w.org)).json()
    assert second["count"] == first["count"] * 4
    assert len(few) == len(many)
    with CaptureQueriesContext(connection) as digests:
        client.get(_url("digest-list", w.org))
    assert len(digests) <= len(few) + 1


def _guest(name, workspace, *args):
    return reverse(f"workspaces-guest-api:{name}", args=[workspace.public_id, *args])


def _suggestion(w, partnership, side, title, target=None):
    return Suggestion.objects.create(
        organization=w.org,
        partnership=partnership,
        plan=w.plan if partnership == w.partnership else None,
        rule="checkin_missing",
        target_type="key_result",
        target_id=target or (w.partner_kr.pk if side == "partner" else w.vendor_kr.pk),
        side=side,
        title=title,
        fingerprint=title,
        activity_title=title,
        owner_side=side,
    )


def test_partner_people_read_their_digests_and_act_on_their_suggestions_through_the_api(
    api_world, api_client_for, other_org, outsider
):
    w = api_world
    Suggestion.objects.for_org(w.org).delete()
    theirs = _suggestion(w, w.partnership, "partner", "Check in on the certified engineers")
    vendors = _suggestion(w, w.partnership, "vendor", "Check in on the leads passed")
    other_partnership = w.other_workspace.partnership_links.get().partnership
    elsewhere = _suggestion(w, other_partnership, "partner", "Another partnership's action", target=10**9)
    editor = api_client_for(w.ws_editor)

    # Digests: a draft is the vendor's; once sent, the partner reads it, with the text as they get it.
    assert editor.get(_guest("digest-list", w.workspace)).json()["count"] == 0
    assert editor.get(_guest("digest-detail", w.workspace, w.digest.pk)).status_code == 404
    w.digest.status = "sent"
    w.digest.save()
    assert [d["id"] for d in editor.get(_guest("digest-list", w.workspace)).json()["results"]] == [w.digest.pk]
    detail = editor.get(_guest("digest-detail", w.workspace, w.digest.pk)).json()
    assert detail["text"].startswith(f"Hi {w.ws_editor.name or w.ws_editor.email},") and detail["figures"]

    # Suggestions: only those addressed to the partner side, of this workspace's partnership.
    listed = editor.get(_guest("suggestion-list", w.workspace)).json()["results"]
    assert [s["id"] for s in listed] == [theirs.pk] and listed[0]["rationale"]
    assert editor.post(_guest("suggestion-dismiss", w.workspace, vendors.pk), {"reason": "x"}).status_code == 404
    bad = editor.post(_guest("suggestion-dismiss", w.workspace, theirs.pk), {"reason": ""}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    assert api_client_for(w.ws_viewer).post(_guest("suggestion-accept", w.workspace, theirs.pk)).status_code == 403
    bad_date = editor.post(_guest("suggestion-snooze", w.workspace, theirs.pk), {"until": "soon"}, format="json")
    assert bad_date.status_code == 400 and "until" in bad_date.json()["errors"]
    assert Suggestion.objects.get(pk=theirs.pk).status == "open"  # nothing half-written

    # Strangers: another partnership's partner, another tenant's member, an outsider.
    for stranger in (w.other_partner, w.other_org_member, outsider):
        client = api_client_for(stranger)
        assert client.get(_guest("digest-list", w.workspace)).status_code == 404
        assert client.get(_guest("digest-detail", w.workspace, w.digest.pk)).status_code == 404
        assert client.post(_guest("suggestion-accept", w.workspace, theirs.pk)).status_code == 404
    other = api_client_for(w.other_partner)
    assert other.get(_guest("digest-detail", w.other_workspace, w.digest.pk)).status_code == 404
    assert other.post(_guest("suggestion-accept", w.other_workspace, theirs.pk)).status_code == 404
    assert [s["id"] for s in other.get(_guest("suggestion-list", w.other_workspace)).json()["results"]] == [
        elsewhere.pk
    ]

    accepted = editor.post(_guest("suggestion-accept", w.workspace, theirs.pk)).json()
    assert accepted["status"] == "accepted"
    activity = w.plan.activities.get(pk=accepted["activity"])
    assert activity.owner_side == "partner" and activity.title == "Check in on the certified engineers"
    assert Suggestion.objects.get(pk=vendors.pk).status == "open"
