"""Single sign-on against a real OpenID provider running in its own process (tests/oidc_op)."""

from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from pom import sso
from pom.models import AuditEvent, Membership, Role
from pom.models_security import OrgSecurity
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.oidc_op.fixture import PASSWORD


@pytest.fixture
def idp_settings(settings):
    settings.POM_SSO_REQUIRE_HTTPS = False
    settings.POM_SSO_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def nimbus(db):
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user
    return org, owner


def configure(org, owner, provider, client_id="pom-client", secret="pom-secret", **extra):
    values = {
        "enabled": True,
        "issuer": provider.issuer,
        "client_id": client_id,
        "client_secret": secret,
        "email_domains": "nimbus.example",
        "default_role": Role.MANAGER,
        "require_sso": False,
        **extra,
    }
    return sso.sso_configure(org=org, actor=owner, **values)


def sign_in(provider, username, slug="nimbus"):
    """Route by e-mail, go to the provider, sign in there, come back: the browser's path, step by step."""
    client = Client()
    page = client.get("/accounts/sso/", {"email": username})
    assert page.status_code == 200, page.content[:300]
    assert f"/accounts/oidc/pom-{slug}/login/" in page.content.decode()
    assert "form-action 'self' http://127.0.0.1:" in page["Content-Security-Policy"]
    start = client.post(f"/accounts/oidc/pom-{slug}/login/", {"process": "login"})
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer), start.content[:300]
    back = urlsplit(provider.sign_in(start["Location"], username))
    assert back.netloc == "testserver"
    return client, client.get(f"{back.path}?{back.query}")


def test_new_person_signs_in_through_the_provider_and_joins_just_in_time(nimbus, oidc_provider, idp_settings):
    org, owner = nimbus
    configure(org, owner, oidc_provider)
    client, done = sign_in(oidc_provider, "sam@nimbus.example")
    assert done.status_code == 302, done.content[:500]
    membership = Membership.objects.get(organization=org, user__email="sam@nimbus.example")
    assert membership.role == Role.MANAGER and membership.user.name == "Sam Single"
    assert client.get(f"/o/{org.slug}/").status_code == 200
    assert AuditEvent.objects.for_org(org).filter(verb="sso.joined").exists()


def test_existing_account_is_linked_and_require_sso_turns_passwords_away(nimbus, oidc_provider, idp_settings):
    org, owner = nimbus
    sam = MembershipFactory(organization=org, role=Role.VIEWER, user__email="sam@nimbus.example").user
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=sam, email=sam.email, verified=True, primary=True)
    configure(org, owner, oidc_provider, require_sso=True)

    # A password session of a member does not reach the organization: it is sent to the provider.
    password_client = Client()
    password_client.force_login(sam)
    response = password_client.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/sso/?email=sam%40nimbus.example")
    api = password_client.get(f"/api/o/{org.slug}/members/")
    assert api.status_code == 403 and "requires its single sign-on" in api.json()["detail"]
    # The password form itself says where to sign in.
    login = Client().post("/accounts/login/", {"login": sam.email, "password": "correct-horse-battery-9"})
    assert "signs you in through its identity provider" in login.content.decode()
    # The owner keeps a way in when the provider breaks.
    owner_client = Client()
    owner_client.force_login(owner)
    assert owner_client.get(f"/o/{org.slug}/").status_code == 200

    client, done = sign_in(oidc_provider, "sam@nimbus.example")
    assert done.status_code == 302
    assert Membership.objects.get(organization=org, user=sam).role == Role.VIEWER  # kept, not re-created
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_a_token_for_another_audience_is_refused(nimbus, oidc_provider, idp_settings):
    org, owner = nimbus
    configure(org, owner, oidc_provider, client_id="pom-wrong-audience", secret="wrong-secret")
    client, done = sign_in(oidc_provider, "sam@nimbus.example")
    assert not Membership.objects.filter(user__email="sam@nimbus.example").exists()
    assert "_auth_user_id" not in client.session
    assert done.status_code == 302 and done["Location"] == "/accounts/sso/"
    page = client.get(done["Location"]).content.decode()
    assert "Nimbus Cloud&#x27;s sign-in was refused: the ID token was issued for another application (audience)" in page


def test_an_address_outside_the_domains_is_refused(nimbus, oidc_provider, idp_settings):
    org, owner = nimbus
    configure(org, owner, oidc_provider)
    client = Client()
    start = client.post("/accounts/oidc/pom-nimbus/login/", {"process": "login"})
    back = urlsplit(oidc_provider.sign_in(start["Location"], "eve@elsewhere.example"))
    done = client.get(f"{back.path}?{back.query}", follow=True)
    assert "vouches for addresses at nimbus.example, not for eve@elsewhere.example" in done.content.decode()
    assert not Membership.objects.filter(user__email="eve@elsewhere.example").exists()


def test_bad_configuration_is_refused_with_the_field_named(nimbus, oidc_provider, idp_settings):
    org, owner = nimbus
    from tests.worker import _free_port

    with pytest.raises(ValidationError) as caught:
        configure(org, owner, oidc_provider, issuer=f"http://127.0.0.1:{_free_port()}/openid")
    assert "could not be reached" in caught.value.message_dict["issuer"][0]
    with pytest.raises(ValidationError) as caught:
        configure(org, owner, oidc_provider, email_domains="gmail.com")
    assert "only your own e-mail domain" in caught.value.message_dict["email_domains"][0]
    with pytest.raises(ValidationError) as caught:
        configure(org, owner, oidc_provider, issuer=oidc_provider.issuer + "/wrong")
    assert "issuer" in caught.value.message_dict
    assert not OrgSecurity.objects.filter(organization=org, sso_enabled=True).exists()


def test_private_issuers_are_refused_unless_allowed(nimbus, oidc_provider, settings):
    org, owner = nimbus
    settings.POM_SSO_REQUIRE_HTTPS = False
    settings.POM_SSO_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as caught:
        configure(org, owner, oidc_provider)
    assert "private or local address" in caught.value.message_dict["issuer"][0]


def test_secret_is_encrypted_never_shown_and_providers_are_not_listed(nimbus, oidc_provider, idp_settings, client_for):
    org, owner = nimbus
    policy = configure(org, owner, oidc_provider)
    assert "pom-secret" not in policy.sso_client_secret_encrypted
    page = client_for(owner).get(f"/o/{org.slug}/settings/security/").content.decode()
    assert "pom-secret" not in page and "A client secret is stored" in page
    assert "/accounts/oidc/pom-nimbus/login/callback/" in page
    login_page = Client().get("/accounts/login/").content.decode()
    assert "Nimbus" not in login_page and "/accounts/sso/" in login_page
    changes = str(list(AuditEvent.objects.for_org(org).values_list("changes", flat=True)))
    assert "pom-secret" not in changes and "secret_encrypted" not in changes


def test_security_page_isolation(nimbus, client_for):
    org, owner = nimbus
    admin = MembershipFactory(organization=org, role=Role.ADMIN).user
    manager = MembershipFactory(organization=org, role=Role.MANAGER).user
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Role.OWNER).user
    url = f"/o/{org.slug}/settings/security/"
    assert client_for(admin).get(url).status_code == 200
    assert client_for(admin).post(url, {"what": "mfa", "require_mfa": "on"}).status_code == 403
    assert client_for(manager).get(url).status_code == 403
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(UserFactory()).get(url).status_code == 404


def test_unknown_domain_says_so(db):
    page = Client().get("/accounts/sso/", {"email": "someone@unknown.example"})
    assert page.status_code == 404 and "No single sign-on is set up" in page.content.decode()


def test_password_of_provider_is_not_pom_password():
    assert PASSWORD != "correct-horse-battery-9"
