"""Inviting colleagues, accepting, and the rules on roles and owners."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from pom import services
from pom.models import Membership, OrgInvitation, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def invite(org, owner):
    def make(email="ines@nimbus.example", role=Role.MANAGER, actor=None):
        return services.invitation_create(org=org, actor=actor or owner, email=email, role=role)

    return make


@pytest.mark.django_db
def test_admin_invites_from_members_page_and_mail_has_link(
    client_for, admin_user, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            reverse("org_members", args=[org.slug]), {"email": "Ines@Nimbus.example", "role": "manager"}
        )
    assert response.status_code == 302
    invitation = OrgInvitation.objects.for_org(org).get()
    assert (invitation.email, invitation.role, invitation.state) == ("ines@nimbus.example", "manager", "pending")
    assert mail.outbox[-1].to == ["ines@nimbus.example"]
    assert "/invitations/" in mail.outbox[-1].body
    page = client_for(admin_user).get(reverse("org_members", args=[org.slug])).content.decode()
    assert "ines@nimbus.example" in page and "Pending" in page


@pytest.mark.django_db
def test_invitation_is_not_mailed_when_its_transaction_rolls_back(org, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(org=org, actor=owner, email="x@example.com", role=Role.VIEWER)
    assert len(callbacks) == 1  # queued for commit, not sent inline
    assert mail.outbox == []


@pytest.mark.django_db
def test_accept_as_invited_user_creates_membership_with_role(client_for, org, invite):
    _, raw = invite(email="ines@nimbus.example", role=Role.VIEWER)
    ines = UserFactory(email="ines@nimbus.example")
    response = client_for(ines).post(reverse("org_invitation_accept", args=[raw]))
    assert response["Location"] == reverse("dashboard", args=[org.slug])
    assert Membership.objects.get(organization=org, user=ines).role == Role.VIEWER


@pytest.mark.django_db
def test_accept_with_other_email_is_refused(client_for, org, invite):
    _, raw = invite(email="ines@nimbus.example")
    intruder = UserFactory(email="intruder@example.net")
    page = client_for(intruder).get(reverse("org_invitation_accept", args=[raw]))
    assert "only works for ines@nimbus.example" in page.content.decode()
    response = client_for(intruder).post(reverse("org_invitation_accept", args=[raw]))
    assert response.status_code == 400
    assert "This invitation is for ines@nimbus.example" in response.content.decode()
    assert not Membership.objects.filter(organization=org, user=intruder).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
def test_used_or_dead_invitation_is_refused(client_for, org, owner, invite, state):
    invitation, raw = invite(email="ines@nimbus.example")
    ines = UserFactory(email="ines@nimbus.example")
    if state == "expired":
        OrgInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "revoked":
        services.invitation_revoke(org=org, actor=owner, invitation=invitation)
    else:
        services.invitation_accept(raw_token=raw, user=ines)
        Membership.objects.filter(organization=org, user=ines).delete()
    page = client_for(ines).get(reverse("org_invitation_accept", args=[raw]))
    assert page.status_code == 410
    expected = {"accepted": "has already been accepted", "revoked": "has been revoked", "expired": "has expired"}[state]
    assert f"This invitation {expected}. Ask for a new one." in page.content.decode()
    response = client_for(ines).post(reverse("org_invitation_accept", args=[raw]))
    assert response.status_code == 400
    assert not Membership.objects.filter(organization=org, user=ines).exists()


@pytest.mark.django_db
def test_unknown_invitation_token_is_404(client_for, outsider):
    response = client_for(outsider).get(reverse("org_invitation_accept", args=["not-a-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_inviting_an_existing_member_is_refused_naming_the_field(client_for, admin_user, viewer, org):
    response = client_for(admin_user).post(
        reverse("org_members", args=[org.slug]), {"email": viewer.email, "role": "viewer"}
    )
    assert response.status_code == 400
    assert f"{viewer.email} is already a member of {org.name}" in response.content.decode()
    assert not OrgInvitation.objects.for_org(org).exists()


@pytest.mark.django_db
def test_reinviting_revokes_the_earlier_pending_invitation(org, invite):
    first, _ = invite(email="ines@nimbus.example")
    second, _ = invite(email="ines@nimbus.example")
    first.refresh_from_db()
    assert (first.state, second.state) == ("revoked", "pending")


@pytest.mark.django_db
def test_only_admins_invite(org, member, viewer):
    for user in (member, viewer):
        with pytest.raises(PermissionDenied):
            services.invitation_create(org=org, actor=user, email="x@example.com", role=Role.VIEWER)


@pytest.mark.django_db
def test_manager_posting_invitation_gets_403(client_for, member, org):
    response = client_for(member).post(
        reverse("org_members", args=[org.slug]), {"email": "x@example.com", "role": "viewer"}
    )
    assert response.status_code == 403
    assert not OrgInvitation.objects.for_org(org).exists()


@pytest.mark.django_db
def test_only_owners_invite_or_make_owners(client_for, org, owner, admin_user, viewer):
    with pytest.raises(ValidationError, match="Only an owner can invite another owner"):
        services.invitation_create(org=org, actor=admin_user, email="boss@example.com", role=Role.OWNER)
    membership = Membership.objects.get(organization=org, user=viewer)
    response = client_for(admin_user).post(
        reverse("org_member_update", args=[org.slug, membership.pk]), {"role": "owner"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    client_for(owner).post(reverse("org_member_update", args=[org.slug, membership.pk]), {"role": "owner"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


@pytest.mark.django_db
def test_admin_changes_role_from_members_page(client_for, admin_user, viewer, org):
    membership = Membership.objects.get(organization=org, user=viewer)
    response = client_for(admin_user).post(
        reverse("org_member_update", args=[org.slug, membership.pk]), {"role": "manager"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


@pytest.mark.django_db
def test_last_owner_cannot_be_removed_or_demoted(client_for, org, owner):
    membership = Membership.objects.get(organization=org, user=owner)
    client = client_for(owner)
    response = client.post(
        reverse("org_member_update", args=[org.slug, membership.pk]), {"action": "remove"}, follow=True
    )
    assert "An organization needs at least one owner." in response.content.decode()
    response = client.post(reverse("org_member_update", args=[org.slug, membership.pk]), {"role": "admin"}, follow=True)
    assert "An organization needs at least one owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


@pytest.mark.django_db
def test_owner_removed_when_another_owner_remains(client_for, org, owner):
    second = MembershipFactory(organization=org, role=Role.OWNER)
    client_for(owner).post(reverse("org_member_update", args=[org.slug, second.pk]), {"action": "remove"})
    assert not Membership.objects.filter(pk=second.pk).exists()


@pytest.mark.django_db
def test_admin_cannot_remove_an_owner(org, owner, admin_user):
    with pytest.raises(PermissionDenied):
        services.membership_remove(org=org, actor=admin_user, membership=Membership.objects.get(user=owner))


@pytest.mark.django_db
def test_admin_revokes_pending_invitation(client_for, admin_user, org, invite):
    invitation, raw = invite()
    client_for(admin_user).post(reverse("org_invitation_revoke", args=[org.slug, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


@pytest.mark.django_db
def test_members_page_query_count_does_not_grow_with_members(
    client_for, admin_user, org, owner, django_assert_max_num_queries
):
    client = client_for(admin_user)
    for size in (3, 30):
        MembershipFactory.create_batch(size, organization=org, role=Role.VIEWER)
        for n in range(size):
            services.invitation_create(org=org, actor=owner, email=f"p{size}-{n}@example.com", role=Role.VIEWER)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("org_members", args=[org.slug])).status_code == 200
