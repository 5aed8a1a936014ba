"""Vendor-side API operations beyond the access matrix: deal rooms, member roles, invitations, files."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import MembershipFactory, PartnershipFactory, WorkspaceMemberFactory
from workspaces.models import Side, Workspace, WorkspaceInvitation, WorkspaceMember


def vo(world, name, *args):
    return reverse(f"workspaces-api:{name}", args=[world.org.slug, *args])


def test_manager_opens_a_deal_room_around_two_partnerships(world, api_client_for):
    other = world.other_workspace.partnerships.first()
    response = api_client_for(world.vendor_manager).post(
        vo(world, "workspace-list"),
        {"name": "Globex rollout", "partnerships": [world.partnership.pk, other.pk]},
        format="json",
    )
    assert response.status_code == 201, response.data
    room = Workspace.objects.get(public_id=response.data["id"])
    assert set(room.partnerships.all()) == {world.partnership, other}
    assert not room.is_default


def test_deal_room_refuses_another_orgs_partnership(world, api_client_for, other_org):
    foreign = PartnershipFactory(organization=other_org, partner__organization=other_org)
    response = api_client_for(world.vendor_manager).post(
        vo(world, "workspace-list"), {"name": "Sneaky", "partnerships": [foreign.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "partnerships" in response.data["errors"]
    assert not Workspace.objects.filter(name="Sneaky").exists()


def test_admin_changes_a_role_and_removes_a_member(world, api_client_for):
    member = WorkspaceMember.objects.get(workspace=world.workspace, user=world.ws_editor)
    client = api_client_for(world.vendor_admin)
    response = client.patch(vo(world, "member-detail", member.pk), {"role": "viewer"}, format="json")
    assert response.status_code == 200 and response.data["role"] == "viewer"
    assert client.delete(vo(world, "member-detail", member.pk)).status_code == 204
    assert not WorkspaceMember.objects.filter(pk=member.pk).exists()


def test_manager_cannot_change_roles(world, api_client_for):
    member = WorkspaceMember.objects.get(workspace=world.workspace, user=world.ws_editor)
    response = api_client_for(world.vendor_manager).patch(
        vo(world, "member-detail", member.pk), {"role": "owner"}, format="json"
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == "editor"


def test_invitation_resend_and_revoke_through_the_api(world, api_key_client):
    client = api_key_client("write")
    created = client.post(
        vo(world, "invitation-list"),
        {"workspace": str(world.workspace.public_id), "email": "Sam@Acme.example", "role": "viewer"},
    )
    assert created.status_code == 201 and created.data["email"] == "sam@acme.example"
    pk = created.data["id"]
    old_hash = WorkspaceInvitation.objects.get(pk=pk).token_hash
    assert client.post(vo(world, "invitation-resend", pk)).status_code == 200
    assert WorkspaceInvitation.objects.get(pk=pk).token_hash != old_hash
    revoked = client.post(vo(world, "invitation-revoke", pk))
    assert revoked.status_code == 200 and revoked.data["state"] == "revoked"
    again = client.post(vo(world, "invitation-revoke", pk))
    assert again.status_code == 400 and "revoked" in again.data["detail"]


def test_invitation_with_unknown_role_names_the_field(world, api_client_for):
    response = api_client_for(world.vendor_owner).post(
        vo(world, "invitation-list"),
        {"workspace": str(world.workspace.public_id), "email": "x@acme.example", "role": "boss"},
    )
    assert response.status_code == 400 and "role" in response.data["errors"]


def test_invitation_to_another_orgs_workspace_is_404(world, api_client_for, other_org, other_member):
    from workspaces import services

    partnership = PartnershipFactory(organization=other_org, partner__organization=other_org)
    foreign = services.workspace_ensure_for_partnership(org=other_org, actor=other_member, partnership=partnership)
    response = api_client_for(world.vendor_owner).post(
        vo(world, "invitation-list"), {"workspace": str(foreign.public_id), "email": "x@acme.example"}
    )
    assert response.status_code == 404


def test_file_upload_and_download_through_the_vendor_api(world, api_client_for):
    client = api_client_for(world.vendor_manager)
    upload = client.post(
        vo(world, "file-list"),
        {"workspace": str(world.workspace.public_id), "file": SimpleUploadedFile("prices.csv", b"sku,price\nA,10\n")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.data
    download = client.get(vo(world, "file-download", upload.data["id"]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    bad = client.post(
        vo(world, "file-list"),
        {"workspace": str(world.workspace.public_id), "file": SimpleUploadedFile("x.svg", b"<svg/>")},
        format="multipart",
    )
    assert bad.status_code == 400 and "not an allowed type" in bad.data["detail"]


def test_vendor_row_left_behind_gives_no_access_after_leaving_the_org(world, client_for):
    from pom.models import Membership

    leaver = MembershipFactory(organization=world.org).user
    WorkspaceMemberFactory(workspace=world.workspace, user=leaver, side=Side.VENDOR, role="owner")
    url = reverse("workspaces:detail", args=[world.workspace.public_id])
    assert client_for(leaver).get(url).status_code == 200
    Membership.objects.filter(user=leaver).delete()
    assert client_for(leaver).get(url).status_code == 404


def test_explicit_vendor_row_raises_a_viewer_to_editor(world, client_for):
    WorkspaceMemberFactory(workspace=world.workspace, user=world.vendor_viewer, side=Side.VENDOR, role="editor")
    response = client_for(world.vendor_viewer).post(
        reverse("workspaces:comment_create", args=[world.workspace.public_id]), {"body": "Now I can post"}
    )
    assert response.status_code == 302


def test_vendor_list_filters(world, client_for):
    client = client_for(world.vendor_viewer)
    url = reverse("workspaces-org:list", args=[world.org.slug])
    body = client.get(url, {"q": "Beta"}).content.decode()
    assert world.other_workspace.name in body and world.workspace.name not in body
    body = client.get(url, {"partner_members": "no"}).content.decode()
    assert world.workspace.name not in body
    partial = client.get(url, {"q": "Acme"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and world.workspace.name in partial.content.decode()


def test_guest_workspace_list_is_the_persons_workspaces_across_vendors(world, api_client_for, api_key_client):
    response = api_client_for(world.ws_viewer).get(reverse("workspaces-guest-api:workspace-list"))
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [str(world.workspace.public_id)]
    assert response.data["results"][0]["organization"] == "Nimbus Cloud"
    assert api_key_client("read").get(reverse("workspaces-guest-api:workspace-list")).data["results"] == []
