"""SAML single sign-on against a real SAML identity provider (pysaml2) in its own process (tests/saml_idp)."""

import base64
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from pom import sso
from pom.models import AuditEvent, Membership, Role
from pom.models_security import OrgSecurity
from tests.factories import MembershipFactory, OrganizationFactory
from tests.saml_idp.fixture import make_certificate


@pytest.fixture
def idp_settings(settings):
    settings.POM_SSO_REQUIRE_HTTPS = False
    settings.POM_SSO_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def nimbus(db):
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user
    return org, owner


def browser():
    """The test client, sending a Host header as browsers do (python3-saml builds URLs from it)."""
    return Client(HTTP_HOST="testserver")


def configure(org, owner, idp, **extra):
    values = {
        "enabled": True,
        "protocol": "saml",
        "saml_entity_id": idp.entity_id,
        "saml_sso_url": idp.sso_url,
        "saml_x509cert": idp.cert,
        "email_domains": "nimbus.example",
        "default_role": Role.MANAGER,
        "require_sso": False,
        **extra,
    }
    return sso.sso_configure(org=org, actor=owner, **values)


def start(client, idp, email="sam@nimbus.example"):
    """Route by e-mail and press "Continue": POM redirects the browser to the IdP with an AuthnRequest."""
    page = client.get("/accounts/sso/", {"email": email})
    assert page.status_code == 200, page.content[:300]
    assert "/accounts/saml/pom-nimbus/login/" in page.content.decode()
    assert f"form-action 'self' {idp.base}" in page["Content-Security-Policy"]
    redirect = client.post("/accounts/saml/pom-nimbus/login/", {"process": "login"})
    assert redirect.status_code == 302 and redirect["Location"].startswith(idp.sso_url), redirect.content[:300]
    return redirect["Location"]


def post_back(client, acs, fields):
    """The IdP's auto-posting form reaches POM's assertion consumer service; allauth then finishes."""
    assert urlsplit(acs).netloc == "testserver" and urlsplit(acs).path == "/accounts/saml/pom-nimbus/acs/"
    received = client.post(urlsplit(acs).path, fields)
    assert received.status_code == 302, received.content[:300]
    return client.get(received["Location"], follow=True)


def test_a_new_person_signs_in_through_the_idp_and_joins_just_in_time(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    configure(org, owner, saml_idp)
    client = browser()
    acs, fields = saml_idp.sign_in(start(client, saml_idp), "sam@nimbus.example")
    done = post_back(client, acs, fields)
    assert done.status_code == 200
    membership = Membership.objects.get(organization=org, user__email="sam@nimbus.example")
    assert membership.role == Role.MANAGER and membership.user.name == "Sam Single"
    assert client.session["_auth_user_id"] == str(membership.user_id)
    assert client.get(f"/o/{org.slug}/").status_code == 200
    assert AuditEvent.objects.for_org(org).filter(verb="sso.joined", actor_user=membership.user).exists()


def test_require_sso_is_satisfied_by_a_saml_sign_in(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    sam = MembershipFactory(organization=org, role=Role.VIEWER, user__email="sam@nimbus.example").user
    configure(org, owner, saml_idp, require_sso=True)
    password_client = browser()
    password_client.force_login(sam)
    assert password_client.get(f"/o/{org.slug}/")["Location"].startswith("/accounts/sso/")
    client = browser()
    post_back(client, *saml_idp.sign_in(start(client, saml_idp), "sam@nimbus.example"))
    assert Membership.objects.get(organization=org, user=sam).role == Role.VIEWER  # linked, not re-created
    assert client.get(f"/o/{org.slug}/").status_code == 200


def test_a_response_for_another_audience_is_refused_with_the_reason(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    configure(org, owner, saml_idp)
    client = browser()
    acs, fields = saml_idp.sign_in(
        start(client, saml_idp), "sam@nimbus.example", audience="https://other-app.example/saml/metadata"
    )
    done = post_back(client, acs, fields)
    text = done.content.decode()
    assert "Nimbus Cloud&#x27;s sign-in was refused: the response was issued for another application" in text
    assert "its audience is not http://127.0.0.1:8000/accounts/saml/pom-nimbus/metadata/" in text
    assert "_auth_user_id" not in client.session
    assert not Membership.objects.filter(user__email="sam@nimbus.example").exists()


def test_a_tampered_or_foreign_signature_is_refused(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    MembershipFactory(organization=org, role=Role.OWNER, user__email="boss@nimbus.example")
    configure(org, owner, saml_idp)
    # Someone edits a genuine response to become another person: the signature no longer matches.
    client = browser()
    acs, fields = saml_idp.sign_in(start(client, saml_idp), "sam@nimbus.example")
    xml = base64.b64decode(fields["SAMLResponse"]).decode().replace("sam@nimbus.example", "boss@nimbus.example")
    done = post_back(client, acs, {**fields, "SAMLResponse": base64.b64encode(xml.encode()).decode()})
    assert "sign-in was refused: its signature does not verify with the certificate on file" in done.content.decode()
    assert "_auth_user_id" not in client.session
    # A genuine response checked against another IdP's certificate is refused the same way.
    configure(org, owner, saml_idp, saml_x509cert=saml_idp.other_cert)
    client = browser()
    done = post_back(client, *saml_idp.sign_in(start(client, saml_idp), "sam@nimbus.example"))
    assert "Signature validation failed" in done.content.decode()
    assert not Membership.objects.filter(user__email="sam@nimbus.example").exists()


def test_an_address_outside_the_domains_is_refused(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    configure(org, owner, saml_idp)
    client = browser()
    redirect = client.post("/accounts/saml/pom-nimbus/login/", {"process": "login"})
    done = post_back(client, *saml_idp.sign_in(redirect["Location"], "eve@elsewhere.example"))
    assert "vouches for addresses at nimbus.example, not for eve@elsewhere.example" in done.content.decode()
    assert not Membership.objects.filter(user__email="eve@elsewhere.example").exists()


def test_the_metadata_url_fills_the_idp_settings_and_bad_values_name_their_field(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    policy = configure(org, owner, saml_idp, saml_metadata_url=saml_idp.entity_id, saml_entity_id="", saml_x509cert="")
    assert policy.saml_entity_id == saml_idp.entity_id and policy.saml_sso_url == saml_idp.sso_url
    assert policy.saml_x509cert in saml_idp.cert.replace("\n", "")

    def refused(**extra):
        with pytest.raises(ValidationError) as caught:
            configure(org, owner, saml_idp, **extra)
        return caught.value.message_dict

    assert "not an X.509 certificate" in refused(saml_x509cert="hello")["saml_x509cert"][0]
    expired, _ = make_certificate("old", days=-1)
    assert "expired on" in refused(saml_x509cert=expired)["saml_x509cert"][0]
    assert "entity id" in refused(saml_entity_id="")["saml_entity_id"][0]
    assert "is not SAML metadata" in refused(saml_metadata_url=saml_idp.base + "/sso/redirect")["saml_metadata_url"][0]
    assert "answered HTTP 404" in refused(saml_metadata_url=saml_idp.base + "/nothing")["saml_metadata_url"][0]


def test_private_metadata_and_plain_http_are_refused_unless_allowed(nimbus, saml_idp, settings):
    org, owner = nimbus
    settings.POM_SSO_REQUIRE_HTTPS = False
    settings.POM_SSO_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as caught:
        configure(org, owner, saml_idp, saml_metadata_url=saml_idp.entity_id)
    assert "private or local address" in caught.value.message_dict["saml_metadata_url"][0]
    settings.POM_SSO_REQUIRE_HTTPS = True
    with pytest.raises(ValidationError) as caught:
        configure(org, owner, saml_idp)
    assert "https://" in caught.value.message_dict["saml_sso_url"][0]
    assert not OrgSecurity.objects.filter(organization=org, sso_enabled=True).exists()


def test_the_security_page_shows_what_to_register_at_the_idp(nimbus, saml_idp, idp_settings, client_for):
    org, owner = nimbus
    configure(org, owner, saml_idp)
    page = client_for(owner).get(f"/o/{org.slug}/settings/security/").content.decode()
    assert "http://127.0.0.1:8000/accounts/saml/pom-nimbus/metadata/" in page
    assert "/accounts/saml/pom-nimbus/acs/" in page
    metadata = Client().get("/accounts/saml/pom-nimbus/metadata/")
    assert metadata.status_code == 200 and b"pom-nimbus/acs/" in metadata.content
    # Another organization's slug, or one without SAML, has no SAML endpoints.
    OrganizationFactory(slug="rival")
    assert Client().get("/accounts/saml/pom-rival/metadata/").status_code == 404
    assert Client().get("/accounts/saml/nimbus/metadata/").status_code == 404


def test_saml_and_oidc_urls_only_serve_their_own_protocol_and_tenant(nimbus, saml_idp, idp_settings):
    org, owner = nimbus
    configure(org, owner, saml_idp)
    anyone = browser()
    assert anyone.get("/accounts/oidc/pom-nimbus/login/").status_code == 404
    assert anyone.post("/accounts/oidc/pom-nimbus/login/", {"process": "login"}).status_code == 404
    assert anyone.get("/accounts/oidc/pom-nimbus/login/callback/?code=x&state=y").status_code == 404
    rival = OrganizationFactory(slug="rival")  # another tenant with OpenID Connect switched on
    OrgSecurity.objects.update_or_create(
        organization=rival,
        defaults={
            "sso_enabled": True,
            "sso_issuer": "https://login.rival.example",
            "sso_email_domains": ["rival.example"],
        },
    )
    for path in ("metadata/", "login/", "acs/finish/"):
        assert anyone.get(f"/accounts/saml/pom-rival/{path}").status_code == 404, path
    assert anyone.post("/accounts/saml/pom-rival/acs/", {"SAMLResponse": "x"}).status_code in (302, 404)
    assert anyone.get("/accounts/saml/pom-rival/acs/finish/").status_code == 404


def test_an_owner_sets_up_saml_on_the_security_page(nimbus, saml_idp, idp_settings, client_for):
    org, owner = nimbus
    url = f"/o/{org.slug}/settings/security/"
    form = {
        "what": "sso",
        "enabled": "on",
        "protocol": "saml",
        "saml_entity_id": saml_idp.entity_id,
        "saml_sso_url": saml_idp.sso_url,
        "saml_x509cert": "not a certificate",
        "email_domains": "nimbus.example",
        "default_role": Role.VIEWER,
    }
    refused = client_for(owner).post(url, form)
    assert refused.status_code == 400 and "This is not an X.509 certificate in PEM form." in refused.content.decode()
    assert not OrgSecurity.objects.filter(organization=org, sso_enabled=True).exists()
    saved = client_for(owner).post(url, {**form, "saml_x509cert": saml_idp.cert}, follow=True)
    assert "Single sign-on saved." in saved.content.decode()
    policy = OrgSecurity.objects.for_org(org).get()
    assert policy.sso_enabled and policy.sso_protocol == "saml" and policy.saml_entity_id == saml_idp.entity_id
