"""A person's data: download everything, erasure that leaves no personal field behind in any table
(discovered from the models), the last-owner guard; organization deletion with grace and export."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from pom import privacy, services
from pom.models import AuditEvent, Job, Membership, Organization, OrgDeletion, Role
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    CommentFactory,
    MembershipFactory,
    NotificationFactory,
    OrganizationFactory,
    PartnerFactory,
    UserFactory,
    WorkspaceFactory,
    WorkspaceMemberFactory,
)
from tests.factories.pom import TEST_PASSWORD

EMAIL = "robin.quill@nimbus.example"
NAME = "Robin Quillfeather"


@pytest.fixture
def robin(org, owner, other_org, other_member):
    """Someone with traces everywhere: two organizations, a workspace, authored and assigned work."""
    user = MembershipFactory(organization=org, role=Role.MANAGER, user__email=EMAIL, user__name=NAME).user
    MembershipFactory(organization=other_org, role=Role.VIEWER, user=user)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    workspace = WorkspaceFactory(organization=org)
    WorkspaceMemberFactory(workspace=workspace, user=user, side="vendor")
    CommentFactory(workspace=workspace, author=user, body=f"Agreed with {NAME}'s plan, mail {EMAIL}")
    CommentFactory(workspace=workspace, author=owner, body=f"Thanks {NAME}!")
    NotificationFactory(workspace=workspace, user=user, text="You were mentioned")
    ActivityFactory(organization=org, assignee=user)
    CheckInFactory(organization=org, created_by=user, created_by_label=NAME)
    PartnerFactory(organization=org, owner=user, description=f"Ask {NAME} ({EMAIL})")
    services.invitation_create(org=other_org, actor=other_member, email="someone@else.example", role="viewer")
    from pom.audit import audit_action

    audit_action(org=org, actor=user, obj=org, verb="touched", changes={"by": EMAIL, "who": NAME})
    return user


def test_download_holds_the_persons_data_across_organizations_and_no_secrets(robin, client_for, other_member):
    Authenticator.objects.create(user=robin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = client_for(robin).get("/accounts/privacy/?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["account"]["email"] == EMAIL and "password" not in data["account"]
    assert len(data["records"]["pom.membership"]["user"]) == 2
    assert any(EMAIL in c["body"] for c in data["records"]["workspaces.comment"]["author"])
    assert data["records"]["mfa.authenticator"]["user"][0]["data"] == "(kept secret)"
    assert "correct-horse" not in response.content.decode()
    assert other_member.email not in json.dumps(data["records"].get("pom.membership"))


def test_erasure_leaves_no_personal_field_behind_in_any_table(robin, org, owner):
    robin_client, phone = Client(), Client(HTTP_USER_AGENT="Robin's phone")
    for client in (robin_client, phone):
        assert client.post("/accounts/login/", {"login": EMAIL, "password": TEST_PASSWORD}).status_code == 302
    Authenticator.objects.create(user=robin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    erased = robin_client.post("/accounts/privacy/", {"confirm": "ERASE", "password": TEST_PASSWORD})
    assert erased.status_code == 302 and erased["Location"] == "/", erased.content[:300]

    # Every text and JSON column of every table, discovered from the models.
    leftovers = [
        f"{model._meta.label}.{field}"
        for model, field in privacy.text_columns()
        for needle in (EMAIL, NAME)
        if privacy.rows_mentioning(model, field, needle).exists()
    ]
    assert leftovers == [], "\n".join(leftovers)
    robin.refresh_from_db()
    assert robin.name == "Former user" and robin.email.endswith("@erased.invalid") and not robin.is_active
    assert not robin.has_usable_password()
    # Authored content is kept, under "Former user"; account-only rows are gone.
    from workspaces.models import Comment

    kept = Comment.objects.for_org(org).filter(author=robin).get()
    assert "Former user's plan" in kept.body
    assert "Thanks Former user!" in Comment.objects.for_org(org).get(author=owner).body
    for model, field in privacy.user_relations():
        if model._meta.label_lower in privacy.ACCOUNT_ONLY:
            assert not model._default_manager.filter(**{field: robin}).exists(), model._meta.label
    assert AuditEvent.objects.for_org(org).filter(verb="user.erased", object_id=str(robin.pk)).exists()
    # Signed out everywhere: the browser that asked, and the other one.
    assert robin_client.get(f"/o/{org.slug}/").status_code == 302
    assert phone.get("/accounts/profile/").status_code == 302
    assert Client().post("/accounts/login/", {"login": EMAIL, "password": TEST_PASSWORD}).status_code == 200


def test_the_last_owner_cannot_be_erased_and_nothing_changes(org, owner, member, client_for):
    with pytest.raises(ValidationError, match="last owner of Nimbus Cloud"):
        privacy.user_erase(user=owner, actor=owner)
    response = client_for(owner).post("/accounts/privacy/", {"confirm": "ERASE", "password": TEST_PASSWORD})
    assert response.status_code == 400 and "last owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active and Membership.objects.filter(user=owner).exists()


def test_erasure_needs_the_password(member, client_for):
    response = client_for(member).post("/accounts/privacy/", {"confirm": "ERASE", "password": "wrong"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.is_active


def test_owner_deletes_the_organization_after_the_grace_period_with_a_final_export(
    org, owner, admin_user, other_org, client_for, django_capture_on_commit_callbacks, settings
):
    settings.POM_ORG_DELETION_GRACE_DAYS = 30
    PartnerFactory(organization=org)
    keep = PartnerFactory(organization=other_org)
    url = f"/o/{org.slug}/settings/data/"
    assert client_for(admin_user).post(url, {"action": "delete", "confirm_slug": org.slug}).status_code == 403
    assert client_for(owner).post(url, {"action": "delete", "confirm_slug": "wrong"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(owner).post(url, {"action": "delete", "confirm_slug": org.slug}).status_code == 302
    deletion = OrgDeletion.objects.for_org(org).get()
    assert deletion.scheduled_for - timezone.now() > datetime.timedelta(days=29)
    export = Job.objects.for_org(org).get(pk=deletion.export_job_id)
    assert export.status == "done" and export.result_file
    download = client_for(owner).get(f"/o/{org.slug}/jobs/{export.pk}/file/")
    assert download.status_code == 200
    page = client_for(owner).get(url).content.decode()
    assert "asked to delete this organization" in page

    from pom.tasks import org_deletions_due

    assert org_deletions_due() == 0  # not yet
    OrgDeletion.objects.filter(pk=deletion.pk).update(scheduled_for=timezone.now() - datetime.timedelta(seconds=1))
    assert org_deletions_due() == 1
    assert not Organization.objects.filter(pk=org.pk).exists()
    keep.refresh_from_db()  # the other tenant is untouched


def test_an_owner_cancels_a_scheduled_deletion(org, owner, client_for):
    privacy.org_deletion_request(org=org, actor=owner, confirm_slug=org.slug)
    assert client_for(owner).post(f"/o/{org.slug}/settings/data/", {"action": "cancel"}).status_code == 302
    OrgDeletion.objects.for_org(org).update(scheduled_for=timezone.now() - datetime.timedelta(days=1))
    assert privacy.org_deletions_due() == []
    assert privacy.org_delete_now(organization_id=org.pk) is False
    assert Organization.objects.filter(pk=org.pk).exists()


def test_data_page_isolation(org, owner, member, other_member, outsider, client_for):
    guest = UserFactory()
    WorkspaceMemberFactory(workspace=WorkspaceFactory(organization=org), user=guest)
    url = f"/o/{org.slug}/settings/data/"
    assert client_for(owner).get(url).status_code == 200
    assert client_for(member).get(url).status_code == 403
    for user in (other_member, outsider, guest):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(url, {"action": "delete", "confirm_slug": org.slug}).status_code == 404
    assert not OrgDeletion.objects.exists()
    foreign = OrganizationFactory()
    assert client_for(owner).get(f"/o/{foreign.slug}/settings/data/").status_code == 404
    assert Client().get("/accounts/privacy/").status_code == 302
