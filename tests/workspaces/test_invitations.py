"""Invitation life cycle: create, e-mail, accept (sign-up or login), resend, revoke, expire, reuse."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from workspaces import invitation_services
from workspaces.models import Update, WorkspaceInvitation, WorkspaceMember
from workspaces.selectors import workspace_access


def _invite(world, email="new.partner@acme.example", role="editor", side="partner", actor=None):
    actor = actor or world.vendor_owner
    access = workspace_access(user=actor, workspace=world.workspace)
    return invitation_services.invitation_create(access=access, actor=actor, email=email, role=role, side=side)


def _link(message) -> str:
    return re.search(r"https?://\S+/w/invitations/\S+/", message.body).group(0)


def test_invitation_email_shows_what_is_waiting_and_a_working_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, raw = _invite(world)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.partner@acme.example"]
    assert world.vendor_owner.display_name in message.subject
    assert "FY26 joint plan" in message.body
    assert "due for a check-in" in message.body
    assert _link(message).endswith(f"/w/invitations/{raw}/")
    # Stored hashed: the raw token is nowhere in the row.
    assert raw not in invitation.token_hash and len(raw) >= 40


def test_anonymous_visitor_sees_the_invitation_and_signup_login_links_back(world, client):
    _inv, raw = _invite(world)
    url = reverse("workspaces:invitation_accept", args=[raw])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert world.workspace.name in body
    assert f"/accounts/signup/?next={url}" in body
    assert f"/accounts/login/?next={url}" in body


def test_accepting_drops_the_person_in_the_workspace_and_posts_member_joined(world, client_for):
    invitation, raw = _invite(world)
    person = UserFactory(email="new.partner@acme.example", name="Nina New")
    response = client_for(person).post(reverse("workspaces:invitation_accept", args=[raw]))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspaces:detail", args=[world.workspace.public_id])
    member = WorkspaceMember.objects.get(workspace=world.workspace, user=person)
    assert (member.side, member.role) == ("partner", "editor")
    assert Update.objects.filter(workspace=world.workspace, kind="member_joined", text__contains="Nina New").exists()
    assert world.vendor_owner.workspace_notifications.filter(text__contains="accepted").exists()


def test_signup_then_verification_returns_to_the_invitation(world, client, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    _inv, raw = _invite(world)
    accept = reverse("workspaces:invitation_accept", args=[raw])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{reverse('account_signup')}?next={accept}",
            {
                "email": "new.partner@acme.example",
                "password1": "a-Long-passw0rd!",
                "password2": "a-Long-passw0rd!",
                "name": "Nina",
                "time_zone": "UTC",
                "next": accept,
            },
        )
    assert response.status_code == 302
    confirm = next(m for m in mail.outbox if "/accounts/confirm-email/" in m.body)
    confirm_url = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+/)", confirm.body).group(1)
    response = client.post(confirm_url)
    assert EmailAddress.objects.get(email="new.partner@acme.example").verified
    assert response.status_code == 302 and response["Location"] == accept
    assert client.post(accept).status_code == 302
    assert WorkspaceMember.objects.filter(workspace=world.workspace, user__email="new.partner@acme.example").exists()


def test_reused_token_is_refused_and_nothing_changes(world, client_for):
    _inv, raw = _invite(world)
    person = UserFactory(email="new.partner@acme.example")
    client = client_for(person)
    url = reverse("workspaces:invitation_accept", args=[raw])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 400
    assert "accepted" in response.content.decode()
    assert WorkspaceMember.objects.filter(user=person).count() == 1


def test_expired_invitation_is_refused(world, client_for):
    invitation, raw = _invite(world)
    WorkspaceInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    person = UserFactory(email="new.partner@acme.example")
    client = client_for(person)
    url = reverse("workspaces:invitation_accept", args=[raw])
    assert client.get(url).status_code == 410
    response = client.post(url)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not WorkspaceMember.objects.filter(user=person).exists()


def test_default_expiry_is_fourteen_days(world):
    invitation, _raw = _invite(world)
    delta = invitation.expires_at - timezone.now()
    assert datetime.timedelta(days=13, hours=23) < delta <= datetime.timedelta(days=14)


def test_revoked_invitation_is_refused(world, client_for):
    invitation, raw = _invite(world)
    access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
    invitation_services.invitation_revoke(access=access, actor=world.vendor_owner, invitation=invitation)
    person = UserFactory(email="new.partner@acme.example")
    response = client_for(person).post(reverse("workspaces:invitation_accept", args=[raw]))
    assert response.status_code == 400 and "revoked" in response.content.decode()
    assert not WorkspaceMember.objects.filter(user=person).exists()


def test_resend_kills_the_old_link_and_the_new_one_works(world, client_for, django_capture_on_commit_callbacks):
    invitation, old = _invite(world)
    access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        new = invitation_services.invitation_resend(access=access, actor=world.vendor_owner, invitation=invitation)
    assert new != old
    assert _link(mail.outbox[-1]).endswith(f"/{new}/")
    person = UserFactory(email="new.partner@acme.example")
    client = client_for(person)
    assert (
        client.post(reverse("workspaces:invitation_accept", args=[old])).status_code == 404
    )  # replaced link: not found, as its GET says
    assert client.post(reverse("workspaces:invitation_accept", args=[new])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.resent_at is not None and invitation.state == "accepted"


def test_invitation_to_an_existing_member_is_refused(world, client_for):
    response = client_for(world.vendor_owner).post(
        reverse("workspaces:members", args=[world.workspace.public_id]),
        {"email": world.ws_editor.email, "role": "viewer", "side": "partner"},
    )
    assert response.status_code == 400
    assert "already a member of this workspace" in response.content.decode()
    assert not WorkspaceInvitation.objects.filter(email=world.ws_editor.email).exists()


def test_invitation_of_a_vendor_colleague_as_partner_is_refused(world):
    with pytest.raises(Exception, match="already have access through their role"):
        _invite(world, email=world.vendor_manager.email)


def test_invitation_for_another_address_cannot_be_accepted(world, client_for):
    _inv, raw = _invite(world)
    response = client_for(world.other_partner).post(reverse("workspaces:invitation_accept", args=[raw]))
    assert response.status_code == 400
    assert "This invitation is for new.partner@acme.example" in response.content.decode()
    assert not WorkspaceMember.objects.filter(workspace=world.workspace, user=world.other_partner).exists()


def test_unknown_token_is_404(db, client):
    assert client.get(reverse("workspaces:invitation_accept", args=["nope" * 10])).status_code == 404


def test_owner_can_change_role_and_remove_a_partner(world, client_for):
    member = WorkspaceMember.objects.get(workspace=world.workspace, user=world.ws_editor)
    client = client_for(world.ws_owner)
    url = reverse("workspaces:member_update", args=[world.workspace.public_id, member.pk])
    assert client.post(url, {"role": "viewer", "action": "role"}).status_code == 302
    member.refresh_from_db()
    assert member.role == "viewer"
    assert client.post(url, {"action": "remove"}).status_code == 302
    assert (
        client_for(world.ws_editor).get(reverse("workspaces:detail", args=[world.workspace.public_id])).status_code
        == 404
    )


def test_members_page_lists_pending_invitations_for_owners_only(world, client_for):
    _invite(world, email="pending@acme.example")
    url = reverse("workspaces:members", args=[world.workspace.public_id])
    assert "pending@acme.example" in client_for(world.ws_owner).get(url).content.decode()
    assert "pending@acme.example" not in client_for(world.ws_editor).get(url).content.decode()
