"""E-mailed action links: each works once, for its recipient, before it expires; every bad case is a
clear page and writes nothing; the action is audited as the link's person."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plans.models import Activity, CheckIn
from pom.models import AuditEvent
from workspaces import digest_facts, digest_services
from workspaces.models import ActionLink, Digest, WorkspaceMember
from workspaces.selectors import workspace_access

TODAY = timezone.localdate()


@pytest.fixture
def mailed(world, django_capture_on_commit_callbacks):
    """The weekly digest approved and mailed; returns {email: {action: [links]}}."""
    digest_services.generate_batch(
        org=world.org,
        kind="weekly",
        period=digest_facts.period_key("weekly", TODAY),
        workspace_ids=[world.workspace.pk],
        today=TODAY,
    )
    digest = Digest.objects.for_org(world.org).get(workspace=world.workspace)
    access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        digest_services.digest_approve(access=access, actor=world.vendor_owner, digest=digest)
    out = {}
    for message in mail.outbox:
        links = re.findall(
            r"(?:Check in|Mark done|Open the workspace|Approve[^:]*):\s*(http://\S+/w/links/\S+/)", message.body
        )
        out[message.to[0]] = {"all": links, "body": message.body}
    world.digest = digest
    return world, out


def _path(url):
    return url.split("8000", 1)[1]


def _link(email, action, out, world):
    for url in out[email]["all"]:
        raw = _path(url).split("/")[3]
        link = ActionLink.objects.get(token_hash=__import__("hashlib").sha256(raw.encode()).hexdigest())
        if link.action == action:
            return _path(url), link
    raise AssertionError(f"no {action} link for {email}")


def test_checkin_from_the_email_works_without_login_and_is_audited_as_the_recipient(mailed, client):
    world, out = mailed
    path, link = _link("eddie.editor@acme.example", "checkin", out, world)
    assert link.target_id == world.partner_kr.pk  # the partner side may check in on its own key result only
    page = client.get(path)
    assert page.status_code == 200 and "Certified engineers" in page.content.decode()
    assert CheckIn.objects.count() == 0  # GET never writes (mail scanners follow links)
    response = client.post(path, {"value": "7", "note": "two more this week"})
    assert response.status_code == 200 and "recorded" in response.content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.value == 7 and checkin.created_by == world.ws_editor
    world.partner_kr.refresh_from_db()
    assert world.partner_kr.current_value == 7
    assert AuditEvent.objects.filter(actor_user=world.ws_editor, verb="action_link.checkin").exists()
    again = client.post(path, {"value": "8"})
    assert again.status_code == 410 and "already used" in again.content.decode()
    assert CheckIn.objects.count() == 1


def test_partner_links_never_offer_vendor_owned_work(mailed):
    world, out = mailed
    targets = {(link.action, link.target_id) for link in ActionLink.objects.filter(user=world.ws_editor)}
    assert ("checkin", world.vendor_kr.pk) not in targets
    assert ("activity_done", world.vendor_activity.pk) not in targets
    assert ("activity_done", world.partner_activity.pk) in targets
    assert ("plan_approve", world.plan.pk) in targets


def test_a_value_of_the_wrong_type_writes_nothing_and_keeps_the_link(mailed, client):
    world, out = mailed
    path, link = _link("eddie.editor@acme.example", "checkin", out, world)
    for bad in ("twelve", "", "1e999999", "-3"):
        response = client.post(path, {"value": bad})
        assert response.status_code == 400, bad
        assert "number" in response.content.decode() or "negative" in response.content.decode()
    assert CheckIn.objects.count() == 0
    link.refresh_from_db()
    assert link.used_at is None
    assert client.post(path, {"value": "3"}).status_code == 200


def test_expired_tampered_and_foreign_links_are_refused(mailed, client, client_for):
    world, out = mailed
    path, link = _link("eddie.editor@acme.example", "checkin", out, world)
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = client.post(tampered, {"value": "5"})
    assert response.status_code == 404 and "not valid" in response.content.decode()
    other = client_for(world.ws_owner)
    response = other.post(path, {"value": "5"})
    assert response.status_code == 403 and "sent to someone else" in response.content.decode()
    ActionLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(path, {"value": "5"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_a_removed_member_or_a_viewer_cannot_use_the_link(mailed, client):
    world, out = mailed
    viewer_links = ActionLink.objects.filter(user=world.ws_viewer, action="checkin")
    assert viewer_links.exists()
    path, _ = _link("vera.viewer@acme.example", "checkin", out, world)
    response = client.post(path, {"value": "5"})
    assert response.status_code == 403 and "Viewers" in response.content.decode()
    path, _ = _link("pat.owner@acme.example", "checkin", out, world)
    WorkspaceMember.objects.filter(user=world.ws_owner).delete()
    response = client.post(path, {"value": "5"})
    assert response.status_code == 403 and "no longer has access" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_mark_done_and_approve_plan_from_the_email(mailed, client):
    world, out = mailed
    path, _ = _link("eddie.editor@acme.example", "activity_done", out, world)
    assert client.post(path).status_code == 200
    world.partner_activity.refresh_from_db()
    assert world.partner_activity.status == Activity.Status.DONE
    path, _ = _link("eddie.editor@acme.example", "plan_approve", out, world)
    assert client.post(path, {"note": "ok from us"}).status_code == 200
    world.plan.refresh_from_db()
    assert world.plan.partner_approved_by == world.ws_editor


def test_open_link_shows_the_workspace_read_only_and_can_be_reused(mailed, client):
    world, out = mailed
    path, _ = _link("eddie.editor@acme.example", "open", out, world)
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200 and "Certified engineers" in page.content.decode()
    checkin_url = reverse("workspaces:checkin", args=[world.workspace.public_id, world.partner_kr.pk])
    assert checkin_url not in page.content.decode()  # read-only: working in the workspace needs a login


def test_the_mute_link_stops_this_workspaces_digests_without_a_password(mailed, client):
    from workspaces.models import DigestMute

    world, out = mailed
    message = next(m for m in mail.outbox if m.to == ["eddie.editor@acme.example"])
    url = re.search(r"Stop the digests of this workspace:\s*(http://\S+/w/links/\S+/)", message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    path = _path(url)
    page = client.get(path)
    assert page.status_code == 200 and "Stop receiving the digests of" in page.content.decode()
    assert not DigestMute.objects.exists()  # GET never writes
    assert client.post(path).status_code == 200
    assert DigestMute.objects.filter(workspace=world.workspace, user=world.ws_editor).exists()
    assert AuditEvent.objects.filter(actor_user=world.ws_editor, verb="action_link.mute").exists()
    assert client.post(path).status_code == 410  # used
    recipients = digest_services.recipients(
        org=world.org, workspaces=[world.workspace], kind="weekly", period_start=TODAY
    )[world.workspace.pk]
    assert world.ws_editor not in [user for user, _side in recipients] and recipients
    # A viewer may mute too: it changes only what they receive.
    viewer = next(m for m in mail.outbox if m.to == ["vera.viewer@acme.example"])
    viewer_url = re.search(r"Stop the digests of this workspace:\s*(http://\S+/w/links/\S+/)", viewer.body).group(1)
    assert client.post(_path(viewer_url)).status_code == 200
    assert DigestMute.objects.filter(workspace=world.workspace, user=world.ws_viewer).exists()
