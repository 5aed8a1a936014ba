"""The 404/403 rules for every core page and endpoint.

Member of another organization, outsider and (on pages) partner guests get 404 as if the
organization did not exist; a member whose role is too low gets 403; anonymous visitors are
sent to log in (pages) or get 401 (API).
"""

import pytest
from django.urls import reverse

from pom import services
from pom.models import Role
from tests.factories import MembershipFactory

ADMIN_PAGES = ["org_settings", "org_members", "org_api_keys", "org_audit"]
ADMIN_API = ["pom-api:api-key-list", "pom-api:audit-event-list", "pom-api:audit-event-types"]
VIEWER_API = ["pom-api:organization", "pom-api:member-list"]


@pytest.fixture
def targets(org, owner):
    """One object of each kind the admin-only POST endpoints act on."""
    other = MembershipFactory(organization=org, role=Role.VIEWER)
    invitation, _ = services.invitation_create(org=org, actor=owner, email="new@example.com", role=Role.VIEWER)
    key, _ = services.api_key_create(org=org, actor=owner, name="CRM", scope="read")
    return {
        "org_member_update": other.pk,
        "org_invitation_revoke": invitation.pk,
        "org_api_key_revoke": key.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", *ADMIN_PAGES])
def test_core_page_for_admin_renders(client_for, admin_user, org, name):
    response = client_for(admin_user).get(reverse(name, args=[org.slug]))
    assert response.status_code == 200
    assert org.name in response.content.decode()


@pytest.mark.django_db
def test_dashboard_for_viewer_renders_without_settings_link(client_for, viewer, org):
    response = client_for(viewer).get(reverse("dashboard", args=[org.slug]))
    assert response.status_code == 200
    assert reverse("org_settings", args=[org.slug]) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("role_fixture", ["member", "viewer"])
def test_admin_page_for_lower_role_is_403(request, client_for, org, name, role_fixture):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).get(reverse(name, args=[org.slug]))
    assert response.status_code == 403
    assert "admin" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", *ADMIN_PAGES])
@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_core_page_for_non_member_is_404(request, client_for, org, name, who):
    response = client_for(request.getfixturevalue(who)).get(reverse(name, args=[org.slug]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", *ADMIN_PAGES])
def test_core_page_for_anonymous_redirects_to_login(client_for, org, name):
    url = reverse(name, args=[org.slug])
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


@pytest.mark.django_db
def test_unknown_organization_is_404(client_for, owner):
    assert client_for(owner).get(reverse("dashboard", args=["no-such-org"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["org_member_update", "org_invitation_revoke", "org_api_key_revoke"])
def test_admin_post_for_manager_is_403_and_changes_nothing(client_for, member, org, targets, name):
    response = client_for(member).post(reverse(name, args=[org.slug, targets[name]]), {"action": "remove"})
    assert response.status_code == 403
    assert client_for(member).get(reverse("dashboard", args=[org.slug])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["org_member_update", "org_invitation_revoke", "org_api_key_revoke"])
@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_admin_post_for_non_member_is_404(request, client_for, org, targets, name, who):
    user = request.getfixturevalue(who)
    response = client_for(user).post(reverse(name, args=[org.slug, targets[name]]), {"action": "remove"})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["org_member_update", "org_invitation_revoke", "org_api_key_revoke"])
def test_admin_post_on_other_orgs_object_is_404(client_for, org, other_org, other_member, name, targets):
    """An admin of `other_org` cannot reach `org`'s objects through their own organization's URL."""
    response = client_for(other_member).post(reverse(name, args=[other_org.slug, targets[name]]), {"action": "remove"})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", VIEWER_API)
def test_api_viewer_endpoint_for_viewer_is_200(api_client_for, viewer, org, name):
    assert api_client_for(viewer).get(reverse(name, args=[org.slug])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_API)
def test_api_admin_endpoint_for_admin_is_200(api_client_for, admin_user, org, name):
    assert api_client_for(admin_user).get(reverse(name, args=[org.slug])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_API)
@pytest.mark.parametrize("role_fixture", ["member", "viewer"])
def test_api_admin_endpoint_for_lower_role_is_403(request, api_client_for, org, name, role_fixture):
    response = api_client_for(request.getfixturevalue(role_fixture)).get(reverse(name, args=[org.slug]))
    assert response.status_code == 403
    assert response.json()["detail"] == "This needs the admin role in the organization."


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*VIEWER_API, *ADMIN_API])
@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_api_for_non_member_is_404(request, api_client_for, org, name, who):
    response = api_client_for(request.getfixturevalue(who)).get(reverse(name, args=[org.slug]))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*VIEWER_API, *ADMIN_API])
def test_api_for_anonymous_is_401(api_client_for, org, name):
    response = api_client_for(None).get(reverse(name, args=[org.slug]))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_partner_guest_without_membership_gets_404_on_org_pages_and_api(client_for, api_client_for, org, outsider):
    """Partner people reach POM through workspaces only; /o/ and /api/o/ treat them as strangers."""
    assert client_for(outsider).get(reverse("dashboard", args=[org.slug])).status_code == 404
    assert api_client_for(outsider).get(reverse("pom-api:member-list", args=[org.slug])).status_code == 404
