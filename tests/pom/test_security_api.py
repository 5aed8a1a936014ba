"""The sign-in policy over the API: owners change MFA and single sign-on through the same services as
the page; admins read it; everyone else gets 403 (known, role too low) or 404."""

import pytest

from pom.models import AuditEvent, Role
from pom.models_security import OrgSecurity
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PartnershipFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from tests.saml_idp.fixture import make_certificate


@pytest.fixture
def nimbus_owner(org):
    return MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user


@pytest.fixture(scope="module")
def certificate():
    return make_certificate("IdP of the API test")[0]


def test_an_owner_configures_saml_and_admins_read_it(org, nimbus_owner, admin_user, api_client_for, certificate):
    url = f"/api/o/{org.slug}/security/"
    body = {
        "enabled": True,
        "protocol": "saml",
        "saml_entity_id": "https://idp.nimbus.example/metadata",
        "saml_sso_url": "https://idp.nimbus.example/sso",
        "saml_x509cert": certificate,
        "email_domains": ["nimbus.example"],
        "default_role": "manager",
    }
    response = api_client_for(nimbus_owner).patch(url, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["sso_enabled"] and data["sso_protocol"] == "saml" and data["sso_email_domains"] == ["nimbus.example"]
    assert data["saml_acs_url"].endswith("/accounts/saml/pom-nimbus/acs/") and data["sso_client_secret_set"] is False
    assert AuditEvent.objects.for_org(org).filter(object_type="pom.orgsecurity").exists()
    read = api_client_for(admin_user).get(url)
    assert read.status_code == 200 and read.json()["saml_entity_id"] == "https://idp.nimbus.example/metadata"
    assert api_client_for(admin_user).patch(url, {"require_sso": True}, format="json").status_code == 403
    # Only the fields sent change; the rest stays as configured.
    assert api_client_for(nimbus_owner).patch(url, {"require_sso": True}, format="json").json()["require_sso"]
    assert OrgSecurity.objects.for_org(org).get().saml_sso_url == "https://idp.nimbus.example/sso"


def test_bad_values_name_their_field_and_change_nothing(org, nimbus_owner, api_client_for):
    url = f"/api/o/{org.slug}/security/"
    client = api_client_for(nimbus_owner)
    refused = client.patch(url, {"enabled": True, "protocol": "saml", "saml_entity_id": "x",
                                 "saml_sso_url": "https://idp.nimbus.example/sso", "saml_x509cert": "hello",
                                 "email_domains": ["nimbus.example"]}, format="json")  # fmt: skip
    assert refused.status_code == 400 and "not an X.509 certificate" in refused.json()["errors"]["saml_x509cert"][0]
    mfa = client.patch(url, {"require_mfa": True}, format="json")
    assert mfa.status_code == 400 and "for yourself first" in mfa.json()["errors"]["require_mfa"][0]
    assert not OrgSecurity.objects.filter(organization=org, sso_enabled=True).exists()
    assert not OrgSecurity.objects.filter(organization=org, require_mfa=True).exists()


def test_isolation_of_the_security_api(org, nimbus_owner, member, api_client_for, api_key_client):
    url = f"/api/o/{org.slug}/security/"
    other_owner = MembershipFactory(organization=OrganizationFactory(), role=Role.OWNER).user
    guest = UserFactory()
    from workspaces import services as ws_services

    workspace = ws_services.workspace_ensure_for_partnership(
        org=org, actor=nimbus_owner, partnership=PartnershipFactory(organization=org)
    )
    WorkspaceMemberFactory(workspace=workspace, user=guest, side="partner")
    assert api_client_for(member).get(url).status_code == 403  # a manager: known, role too low
    assert api_key_client("write").get(url).status_code == 403  # keys never see the sign-in policy
    for user in (other_owner, UserFactory(), guest):
        assert api_client_for(user).get(url).status_code == 404
        assert api_client_for(user).patch(url, {"require_mfa": False}, format="json").status_code == 404
    assert api_client_for().get(url).status_code in (401, 403)


@pytest.mark.parametrize("extra", [0, 5])
def test_reading_the_policy_takes_a_bounded_number_of_queries(
    org, nimbus_owner, api_client_for, django_assert_max_num_queries, extra
):
    for _ in range(extra):
        MembershipFactory(organization=org, role=Role.VIEWER)
    with django_assert_max_num_queries(6):
        assert api_client_for(nimbus_owner).get(f"/api/o/{org.slug}/security/").status_code == 200
