"""The full access matrix (issue 5): every workspace page and endpoint against every kind of person.

Vendor owner/admin/manager/viewer reach the workspace through their organization role; partner people
(workspace owner/editor/viewer) through their member row; a partner person of another workspace of the
same vendor, a member of another organization, anonymous visitors and share-link visitors get nothing.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from workspaces import services
from workspaces.selectors import workspace_access

PERSONAS = [
    "vendor_owner",
    "vendor_admin",
    "vendor_manager",
    "vendor_viewer",
    "ws_owner",
    "ws_editor",
    "ws_viewer",
    "other_partner",
    "other_org_member",
    "anonymous",
    "share_visitor",
]

ALL_IN = dict.fromkeys(PERSONAS[:7], "ok")
NOBODY_ELSE = {"other_partner": 404, "other_org_member": 404, "anonymous": "login", "share_visitor": "login"}

READ = {**ALL_IN, **NOBODY_ELSE}
EDIT = {**ALL_IN, "vendor_viewer": 403, "ws_viewer": 403, **NOBODY_ELSE}
EDIT_VENDOR_OWNED = {**EDIT, "ws_owner": 403, "ws_editor": 403}
MANAGE = {**EDIT, "vendor_manager": 403, "ws_editor": 403}
VENDOR_ONLY = {
    **dict.fromkeys(PERSONAS[:4], "ok"),
    **dict.fromkeys(("ws_owner", "ws_editor", "ws_viewer"), 404),
    **NOBODY_ELSE,
}


def _file(name="notes.txt", content=b"Joint plan notes\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def _stored_file(w):
    access = workspace_access(user=w.vendor_owner, workspace=w.workspace)
    return services.file_upload(access=access, actor=w.vendor_owner, uploaded=_file("deck.pdf", b"%PDF-1.7 test"))


def ws(w, name, *args):
    return reverse(f"workspaces:{name}", args=[w.workspace.public_id, *args])


PAGES = {
    "detail": (lambda w: ("get", ws(w, "detail"), None), READ),
    "feed": (lambda w: ("get", ws(w, "feed"), None), READ),
    "members": (lambda w: ("get", ws(w, "members"), None), READ),
    "files": (lambda w: ("get", ws(w, "files"), None), READ),
    "file_download": (lambda w: ("get", ws(w, "file_download", _stored_file(w).public_id), None), READ),
    "comment": (lambda w: ("post", ws(w, "comment_create"), {"body": "Kick-off on Monday"}), EDIT),
    "file_upload": (lambda w: ("post", ws(w, "files"), {"file": _file()}), EDIT),
    "checkin_partner_kr": (lambda w: ("post", ws(w, "checkin", w.partner_kr.pk), {"value": "3"}), EDIT),
    "checkin_vendor_kr": (lambda w: ("post", ws(w, "checkin", w.vendor_kr.pk), {"value": "3"}), EDIT_VENDOR_OWNED),
    "activity_partner": (
        lambda w: ("post", ws(w, "activity_update", w.partner_activity.pk), {"status": "in_progress", "progress": 40}),
        EDIT,
    ),
    "activity_vendor": (
        lambda w: ("post", ws(w, "activity_update", w.vendor_activity.pk), {"status": "in_progress", "progress": 40}),
        EDIT_VENDOR_OWNED,
    ),
    "invite": (
        lambda w: ("post", ws(w, "members"), {"email": "new.person@acme.example", "role": "editor", "side": "partner"}),
        MANAGE,
    ),
    "share_link": (lambda w: ("post", ws(w, "share_link"), {"action": "enable"}), MANAGE),
    "vendor_list": (lambda w: ("get", reverse("workspaces-org:list", args=[w.org.slug]), None), VENDOR_ONLY),
    "program": (lambda w: ("get", ws(w, "program"), None), READ),
    "solution_idea": (lambda w: ("post", ws(w, "solutions"), {"title": "Sync", "problem": "Re-keying"}), EDIT),
}


def _client(world, persona, client_for):
    if persona in ("anonymous", "share_visitor"):
        client = client_for(None)
        if persona == "share_visitor":
            access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
            raw = services.share_link_enable(access=access, actor=world.vendor_owner)
            assert client.get(reverse("workspaces:share", args=[raw])).status_code == 200
        return client
    return client_for(getattr(world, persona))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", list(PAGES))
def test_workspace_page_access_matches_the_matrix(world, client_for, page, persona):
    build, expected = PAGES[page]
    method, url, data = build(world)
    client = _client(world, persona, client_for)
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    want = expected[persona]
    if want == "ok":
        assert response.status_code in (200, 302), response.content[:500]
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    elif want == "login":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == want


def test_partner_people_get_404_on_every_vendor_page_and_endpoint(world, client_for, api_client_for):
    slug = world.org.slug
    for user in (world.ws_owner, world.ws_editor, world.ws_viewer):
        client = client_for(user)
        for url in (f"/o/{slug}/", f"/o/{slug}/partners/", f"/o/{slug}/plans/", f"/o/{slug}/workspaces/"):
            assert client.get(url).status_code == 404, url
        api = api_client_for(user)
        for url in (f"/api/o/{slug}/workspaces/", f"/api/o/{slug}/workspace-comments/", f"/api/o/{slug}/members/"):
            assert api.get(url).status_code == 404, url


# API ----------------------------------------------------------------------------------------------

API_READ = {**ALL_IN, "other_partner": 404, "other_org_member": 404, "anonymous": 401, "share_visitor": 401}
API_EDIT = {**API_READ, "vendor_viewer": 403, "ws_viewer": 403}
API_EDIT_VENDOR_OWNED = {**API_EDIT, "ws_owner": 403, "ws_editor": 403}
API_VENDOR_READ = {
    **dict.fromkeys(PERSONAS[:4], "ok"),
    **dict.fromkeys(("ws_owner", "ws_editor", "ws_viewer", "other_partner", "other_org_member"), 404),
    "anonymous": 401,
    "share_visitor": 401,
}
API_VENDOR_MANAGE = {**API_VENDOR_READ, "vendor_manager": 403, "vendor_viewer": 403}


def gw(w, name, *args):
    return reverse(f"workspaces-guest-api:{name}", args=[w.workspace.public_id, *args])


def vo(w, name, *args):
    return reverse(f"workspaces-api:{name}", args=[w.org.slug, *args])


ENDPOINTS = {
    "guest_detail": (lambda w: ("get", gw(w, "workspace-detail"), None), API_READ),
    "guest_members": (lambda w: ("get", gw(w, "member-list"), None), API_READ),
    "guest_feed": (lambda w: ("get", gw(w, "feed-list"), None), API_READ),
    "guest_comments": (lambda w: ("get", gw(w, "comment-list"), None), API_READ),
    "guest_files": (lambda w: ("get", gw(w, "file-list"), None), API_READ),
    "guest_file_download": (lambda w: ("get", gw(w, "file-detail", _stored_file(w).public_id), None), API_READ),
    "guest_comment_post": (lambda w: ("post", gw(w, "comment-list"), {"body": "Hello"}), API_EDIT),
    "guest_file_post": (lambda w: ("post", gw(w, "file-list"), {"file": _file()}), API_EDIT),
    "guest_checkin_partner_kr": (
        lambda w: ("post", gw(w, "checkin-list"), {"key_result": w.partner_kr.pk, "value": "4"}),
        API_EDIT,
    ),
    "guest_checkin_vendor_kr": (
        lambda w: ("post", gw(w, "checkin-list"), {"key_result": w.vendor_kr.pk, "value": "4"}),
        API_EDIT_VENDOR_OWNED,
    ),
    "vendor_workspaces": (lambda w: ("get", vo(w, "workspace-list"), None), API_VENDOR_READ),
    "vendor_workspace_detail": (
        lambda w: ("get", vo(w, "workspace-detail", w.workspace.public_id), None),
        API_VENDOR_READ,
    ),
    "vendor_members": (lambda w: ("get", vo(w, "member-list"), None), API_VENDOR_READ),
    "vendor_invitations": (lambda w: ("get", vo(w, "invitation-list"), None), API_VENDOR_READ),
    "vendor_comments": (lambda w: ("get", vo(w, "comment-list"), None), API_VENDOR_READ),
    "vendor_files": (lambda w: ("get", vo(w, "file-list"), None), API_VENDOR_READ),
    "vendor_invite": (
        lambda w: (
            "post",
            vo(w, "invitation-list"),
            {"workspace": str(w.workspace.public_id), "email": "x@acme.example", "role": "viewer"},
        ),
        API_VENDOR_MANAGE,
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_workspace_endpoint_access_matches_the_matrix(world, client_for, endpoint, persona):
    build, expected = ENDPOINTS[endpoint]
    method, url, data = build(world)
    client = APIClient()
    if persona not in ("anonymous", "share_visitor"):
        client.force_login(getattr(world, persona))
    elif persona == "share_visitor":
        access = workspace_access(user=world.vendor_owner, workspace=world.workspace)
        raw = services.share_link_enable(access=access, actor=world.vendor_owner)
        client.get(reverse("workspaces:share", args=[raw]))
    kwargs = {"format": "multipart"} if data and "file" in data else {}
    response = getattr(client, method)(url, data, **kwargs) if data is not None else getattr(client, method)(url)
    want = expected[persona]
    if want == "ok":
        assert response.status_code in (200, 201), getattr(response, "data", response)
    else:
        assert response.status_code == want, getattr(response, "data", response)


def test_org_api_keys_reach_the_vendor_endpoints_by_scope(world, api_key_client, other_org):
    read, write = api_key_client("read"), api_key_client("write")
    assert read.get(vo(world, "workspace-list")).status_code == 200
    body = {"workspace": str(world.workspace.public_id), "email": "key@acme.example", "role": "editor"}
    assert read.post(vo(world, "invitation-list"), body).status_code == 403
    assert write.post(vo(world, "invitation-list"), body).status_code == 201
    foreign = api_key_client("write", for_org=other_org)
    assert foreign.get(vo(world, "workspace-list")).status_code == 404
    assert foreign.get(gw(world, "member-list")).status_code == 404


def test_partner_page_tab_lists_the_partners_workspaces_for_vendor_members_only(world, client_for):
    url = reverse("workspaces-org:partner_tab", args=[world.org.slug, world.partnership.partner_id])
    body = client_for(world.vendor_viewer).get(url).content.decode()
    assert world.workspace.name in body and world.other_workspace.name not in body
    for user in (world.ws_owner, world.other_org_member):
        assert client_for(user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
