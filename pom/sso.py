"""Single sign-on per organization through allauth: OpenID Connect (`openid_connect`) or SAML 2.0 (`saml`).

An owner enters the identity provider's issuer, client id and secret (OpenID Connect) or its entity
id, sign-in URL and signing certificate, or a metadata URL POM reads them from (SAML), and the
e-mail domains it vouches for (Settings → Security). POM then:
- routes people by e-mail domain: `/accounts/sso/` asks for the address and offers "Continue with
  <organization>'s sign-in" (`sso_config_for_email`, the one deliberate cross-tenant lookup);
- builds one allauth app per configured organization (`sso_apps`, provider id `pom-<org slug>`),
  so allauth runs the code flow and checks the ID token's issuer, audience and signature, or
  python3-saml checks the SAML response's signature (the assertion must be signed by the stored
  certificate), audience (POM's entity id), destination, validity window and `InResponseTo`;
- accepts only addresses of the organization's domains from its provider (`sso_check_login`),
  links them to an existing POM account with the same address, and creates the membership on
  first sign-in with the default role (just-in-time, `sso_jit_membership`);
- with "require SSO", sends members (owners excepted, so a broken IdP cannot lock the company
  out) who signed in with a password to the provider before they see the organization.
The client secret is stored encrypted (`pom.crypto`) and never shown again.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from pom import crypto, netguard, rls
from pom.audit import audit_action, audit_create, update_fields
from pom.models import Membership, Organization, Role, User
from pom.models_security import OrgSecurity, SsoProtocol

DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SESSION_KEY = "pom_sso_orgs"
PROVIDER_PREFIX = "pom-"


def provider_id(org: Organization) -> str:
    return f"{PROVIDER_PREFIX}{org.slug}"


def oidc_callback_url(org: Organization) -> str:
    return settings.SITE_URL + reverse("openid_connect_callback", args=[provider_id(org)])


def saml_acs_url(org: Organization) -> str:
    return settings.SITE_URL + reverse("saml_acs", args=[provider_id(org)])


def saml_sp_entity_id(org: Organization) -> str:
    """POM's SAML entity id for this organization (the audience its IdP must name): its metadata URL."""
    return settings.SITE_URL + reverse("saml_metadata", args=[provider_id(org)])


def form_initial(policy: OrgSecurity) -> dict:
    return {
        "enabled": policy.sso_enabled,
        "protocol": policy.sso_protocol,
        "issuer": policy.sso_issuer,
        "client_id": policy.sso_client_id,
        "saml_metadata_url": policy.saml_metadata_url,
        "saml_entity_id": policy.saml_entity_id,
        "saml_sso_url": policy.saml_sso_url,
        "saml_x509cert": policy.saml_x509cert,
        "saml_email_attribute": policy.saml_email_attribute,
        "email_domains": ", ".join(policy.sso_email_domains),
        "default_role": policy.sso_default_role,
        "require_sso": policy.require_sso,
    }


# Where SAML identity providers usually put the address (allauth's defaults, plus the plain names).
SAML_EMAIL_ATTRIBUTES = [
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
    "mail",
]


# Reads ------------------------------------------------------------------------------------------


def sso_configurations():
    """Every organization with single sign-on switched on.

    Cross-tenant by design: allauth needs every provider to route a callback, and the sign-in page
    looks people's e-mail domain up before anyone knows their organization. Only the sign-in
    settings are read (row-level security: across organizations explicitly, for these rows only).
    """
    with rls.all_organizations("SSO routing: the sign-in settings of the organizations with SSO on"):
        return list(OrgSecurity.objects.filter(sso_enabled=True).select_related("organization"))


def sso_config_for_email(email: str) -> OrgSecurity | None:
    """The organization whose single sign-on vouches for this address's domain, if any."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    if not domain:
        return None
    return next((c for c in sso_configurations() if domain in c.sso_email_domains), None)


def sso_apps(provider: str | None = None, client_id: str | None = None) -> list:
    """The allauth `SocialApp` (unsaved) of one organization's provider id (`pom-<slug>`).

    Only asked for by provider id (allauth's SAML views ask for provider "saml" with the provider id
    as client id): lists of providers (the login page's buttons, the connections page) never show
    them, so no visitor learns which organizations use POM or their provider.
    """
    if provider == "saml" and client_id:
        provider = client_id
    if not provider or not provider.startswith(PROVIDER_PREFIX):
        return []
    slug = provider[len(PROVIDER_PREFIX) :]
    configs = [config for config in sso_configurations() if config.organization.slug == slug]
    return [app for app in (_app(config) for config in configs) if app is not None]


def _app(config: OrgSecurity):
    from allauth.socialaccount.models import SocialApp

    pid = provider_id(config.organization)
    if config.sso_protocol == SsoProtocol.SAML:
        email = [config.saml_email_attribute] if config.saml_email_attribute else SAML_EMAIL_ATTRIBUTES
        return SocialApp(
            provider="saml",
            provider_id=pid,
            name=config.organization.name,
            client_id=pid,  # allauth's SAML URLs: /accounts/saml/<client id>/acs/
            settings={
                "idp": {
                    "entity_id": config.saml_entity_id,
                    "sso_url": config.saml_sso_url,
                    "x509cert": config.saml_x509cert,
                },
                "sp": {"entity_id": saml_sp_entity_id(config.organization)},
                "attribute_mapping": {
                    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
                    "email": email,
                    "first_name": ["urn:oid:2.5.4.42", "givenName", "first_name"],
                    "last_name": ["urn:oid:2.5.4.4", "sn", "surname", "last_name"],
                    "name": ["urn:oid:2.16.840.1.113730.3.1.241", "displayName", "cn"],
                },
                "advanced": {
                    "strict": True,
                    "want_assertion_signed": True,
                    "reject_idp_initiated_sso": True,
                    "want_attribute_statement": False,
                    "allow_single_label_domains": True,  # intranet hosts such as http://pom/
                },
            },
        )
    try:
        secret = crypto.decrypt(config.sso_client_secret_encrypted)
    except crypto.SecretUnreadable:
        return None
    return SocialApp(
        provider="openid_connect",
        provider_id=pid,
        name=config.organization.name,
        client_id=config.sso_client_id,
        secret=secret,
        settings={"server_url": config.sso_issuer, "oauth_pkce_enabled": True},
    )


def config_for_provider(pid: str) -> OrgSecurity | None:
    return next((c for c in sso_configurations() if provider_id(c.organization) == pid), None)


# Writes -----------------------------------------------------------------------------------------


def _domains(text: str, owner: User, org: Organization) -> list[str]:
    domains = sorted({d.strip().lower() for d in re.split(r"[\s,;]+", text or "") if d.strip()})
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        raise ValidationError({"email_domains": _("Not a domain name: %(d)s.") % {"d": ", ".join(bad)}})
    own = owner.email.rpartition("@")[2].lower()
    foreign = [d for d in domains if d != own and not own.endswith("." + d)]
    if foreign:
        raise ValidationError(
            {
                "email_domains": _(
                    "You can claim only your own e-mail domain (%(own)s); ask an owner with an address at "
                    "%(d)s to add it."
                )
                % {"own": own, "d": foreign[0]}
            }
        )
    for config in (c for c in sso_configurations() if c.organization_id != org.pk):
        taken = set(domains) & set(config.sso_email_domains)
        if taken:
            raise ValidationError(
                {"email_domains": _("%(d)s already signs in through another organization.") % {"d": taken.pop()}}
            )
    return domains


def check_issuer(issuer: str) -> dict:
    """Fetch and check the issuer's discovery document; raises ValidationError naming `issuer`."""
    issuer = issuer.rstrip("/")
    url = issuer + "/.well-known/openid-configuration"
    try:
        document = netguard.get_json(
            url,
            timeout=settings.POM_SSO_TIMEOUT,
            require_https=settings.POM_SSO_REQUIRE_HTTPS,
            allowed_networks=settings.POM_SSO_ALLOWED_NETWORKS,
        )
    except (netguard.UnsafeURL, ValueError) as exc:
        raise ValidationError({"issuer": _("The issuer could not be used: %(e)s") % {"e": exc}}) from None
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ValidationError(
            {"issuer": _("The issuer's document names another issuer (%(i)s).") % {"i": document.get("issuer")}}
        )
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
    if missing:
        raise ValidationError({"issuer": _("The issuer's document lacks %(k)s.") % {"k": ", ".join(missing)}})
    return document


def _certificate(text: str, field: str = "saml_x509cert") -> str:
    """The certificate's base64 body (PEM armour and whitespace removed), checked to parse and be current."""
    import base64
    import binascii

    from cryptography import x509
    from django.utils import timezone

    body = re.sub(r"-----(BEGIN|END) CERTIFICATE-----|\s+", "", text or "")
    if not body:
        raise ValidationError({field: _("Paste the identity provider's signing certificate (PEM).")})
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("This is not an X.509 certificate in PEM form.")}) from None
    if certificate.not_valid_after_utc < timezone.now():
        raise ValidationError(
            {field: _("This certificate expired on %(d)s.") % {"d": certificate.not_valid_after_utc.date().isoformat()}}
        )
    return body


def _browser_url(url: str, field: str) -> str:
    """A URL people's browsers are sent to: https unless `POM_SSO_REQUIRE_HTTPS=False`."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError({field: _("Enter the full URL, starting with https://.")})
    if parts.scheme != "https" and settings.POM_SSO_REQUIRE_HTTPS:
        raise ValidationError({field: _("Use an https:// address.")})
    return url


def read_saml_metadata(url: str) -> dict:
    """The IdP's entity id, sign-in URL and signing certificate from its metadata (fetched like an issuer)."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        body = netguard.get_bytes(
            url,
            timeout=settings.POM_SSO_TIMEOUT,
            require_https=settings.POM_SSO_REQUIRE_HTTPS,
            allowed_networks=settings.POM_SSO_ALLOWED_NETWORKS,
            accept="application/samlmetadata+xml, application/xml, text/xml",
        )
    except (netguard.UnsafeURL, ValueError) as exc:
        raise ValidationError({"saml_metadata_url": _("The metadata could not be used: %(e)s") % {"e": exc}}) from None
    try:
        idp = OneLogin_Saml2_IdPMetadataParser.parse(body).get("idp") or {}
    except Exception:  # noqa: BLE001 - any parse failure means "not SAML metadata"; say so
        raise ValidationError({"saml_metadata_url": _("%(url)s is not SAML metadata.") % {"url": url}}) from None
    if not idp.get("entityId"):
        raise ValidationError({"saml_metadata_url": _("%(url)s is not SAML metadata.") % {"url": url}})
    cert = idp.get("x509cert") or next(iter((idp.get("x509certMulti") or {}).get("signing") or []), "")
    sso_url = (idp.get("singleSignOnService") or {}).get("url", "")
    if not (idp.get("entityId") and sso_url and cert):
        raise ValidationError(
            {"saml_metadata_url": _("The metadata lacks the entity id, sign-in URL or signing certificate.")}
        )
    return {"saml_entity_id": idp["entityId"], "saml_sso_url": sso_url, "saml_x509cert": cert}


def _saml_settings(data: dict) -> dict:
    """Check (and, from a metadata URL, fill) the SAML fields of `sso_configure`."""
    if data["saml_metadata_url"]:
        data.update(read_saml_metadata(data["saml_metadata_url"]))
    if not data["saml_entity_id"]:
        raise ValidationError({"saml_entity_id": _("Enter the identity provider's entity id (or a metadata URL).")})
    if not data["saml_sso_url"]:
        raise ValidationError({"saml_sso_url": _("Enter the identity provider's sign-in URL (or a metadata URL).")})
    _browser_url(data["saml_sso_url"], "saml_sso_url")
    data["saml_x509cert"] = _certificate(data["saml_x509cert"])
    return data


@transaction.atomic
def sso_configure(
    *,
    org: Organization,
    actor: User,
    enabled: bool,
    email_domains: str,
    default_role: str,
    require_sso: bool,
    protocol: str = SsoProtocol.OIDC,
    issuer: str = "",
    client_id: str = "",
    client_secret: str = "",
    saml_metadata_url: str = "",
    saml_entity_id: str = "",
    saml_sso_url: str = "",
    saml_x509cert: str = "",
    saml_email_attribute: str = "",
) -> OrgSecurity:
    """Save the organization's single sign-on settings. Owners only; audited (never the secret).

    OpenID Connect: the issuer is checked live (reachable, public unless allowed, names itself); an
    empty secret keeps the stored one. SAML: a metadata URL is read now (same checks) into the entity
    id, sign-in URL and certificate, so signing in never fetches anything; the certificate must parse
    and be current.
    """
    from pom.security import _check_owner, org_security

    _check_owner(org, actor)
    policy = org_security(org=org)
    if default_role not in (Role.VIEWER, Role.MANAGER):
        raise ValidationError({"default_role": _("New members join as viewer or manager.")})
    if protocol not in SsoProtocol.values:
        raise ValidationError({"protocol": _("Choose OpenID Connect or SAML 2.0.")})
    issuer = (issuer or "").strip().rstrip("/")
    data = {
        "sso_enabled": enabled,
        "sso_protocol": protocol,
        "saml_metadata_url": (saml_metadata_url or "").strip(),
        "saml_entity_id": (saml_entity_id or "").strip(),
        "saml_sso_url": (saml_sso_url or "").strip(),
        "saml_x509cert": (saml_x509cert or "").strip(),
        "saml_email_attribute": (saml_email_attribute or "").strip(),
        "sso_issuer": issuer,
        "sso_client_id": (client_id or "").strip(),
        "sso_email_domains": _domains(email_domains, actor, org),
        "sso_default_role": default_role,
        "require_sso": require_sso,
    }
    if enabled and protocol == SsoProtocol.SAML:
        if not data["sso_email_domains"]:
            raise ValidationError({"email_domains": _("Enter at least one e-mail domain.")})
        _saml_settings(data)
    elif enabled:
        if not issuer:
            raise ValidationError({"issuer": _("Enter the issuer URL of your identity provider.")})
        if not data["sso_client_id"]:
            raise ValidationError({"client_id": _("Enter the client id POM is registered with.")})
        if not data["sso_email_domains"]:
            raise ValidationError({"email_domains": _("Enter at least one e-mail domain.")})
        if not client_secret and not policy.sso_client_secret_encrypted:
            raise ValidationError({"client_secret": _("Enter the client secret.")})
        check_issuer(issuer)
    if require_sso and not enabled:
        raise ValidationError({"require_sso": _("Switch single sign-on on before requiring it.")})
    update_fields(org=org, actor=actor, instance=policy, data=data)
    if client_secret:
        OrgSecurity.objects.for_org(org).filter(pk=policy.pk).update(
            sso_client_secret_encrypted=crypto.encrypt(client_secret)
        )
        audit_action(org=org, actor=actor, obj=policy, verb="sso.secret_set")
    policy.refresh_from_db()
    return policy


def sso_check_login(*, pid: str, email: str, email_verified: bool) -> OrgSecurity:
    """The organization behind an SSO callback, if the asserted address may sign in through it."""
    config = config_for_provider(pid)
    if config is None:
        raise PermissionDenied(_("This sign-in is not configured."))
    domain = (email or "").rpartition("@")[2].lower()
    if not email or domain not in config.sso_email_domains:
        raise PermissionDenied(
            _("%(org)s's sign-in vouches for addresses at %(domains)s, not for %(email)s.")
            % {"org": config.organization.name, "domains": ", ".join(config.sso_email_domains), "email": email or "?"}
        )
    if not email_verified:
        raise PermissionDenied(_("Your identity provider did not confirm the address %(email)s.") % {"email": email})
    return config


def refusal_reason(*, error=None, exception=None, extra_context: dict) -> str:
    """Why allauth refused a provider's answer, in words a person (or their IT) can act on."""
    import jwt

    saml_reason = str(extra_context.get("saml_last_error_reason") or "")
    if "is not a valid audience" in saml_reason:
        return _("the response was issued for another application (its audience is not %(sp)s).") % {
            "sp": saml_reason.split(" is not a valid audience")[0]
        }
    if "Signature validation failed" in saml_reason:
        return _("its signature does not verify with the certificate on file (%(e)s).") % {"e": saml_reason}
    if saml_reason:
        return saml_reason
    cause = getattr(exception, "__cause__", None) or exception
    known = [
        (jwt.InvalidAudienceError, _("the ID token was issued for another application (audience).")),
        (jwt.InvalidIssuerError, _("the ID token names another issuer.")),
        (jwt.ExpiredSignatureError, _("the ID token has expired.")),
        (jwt.InvalidSignatureError, _("the ID token's signature does not verify.")),
    ]
    for kind, text in known:
        if isinstance(cause, kind):
            return str(text)
    if cause is not None:
        return str(cause) or type(cause).__name__
    if error == "cancelled":
        return _("the sign-in was cancelled.")
    return _("the identity provider's answer could not be checked.")


@transaction.atomic
def sso_jit_membership(*, config: OrgSecurity, user: User) -> Membership:
    """The person's membership in the SSO organization, created on first sign-in with the default role."""
    org = config.organization
    rls.add_orgs([org.pk])  # the organization's SSO vouched for the person: they join it
    membership, created = Membership.objects.get_or_create(
        organization=org, user=user, defaults={"role": config.sso_default_role}
    )
    if created:
        audit_create(org=org, actor=user, obj=membership)
        audit_action(org=org, actor=user, obj=membership, verb="sso.joined", changes={"role": membership.role})
    return membership


def sso_missing(request, membership: Membership) -> bool:
    """True when the organization requires SSO and this session did not come through it (owners exempt)."""
    try:
        policy = membership.organization.security
    except OrgSecurity.DoesNotExist:
        return False
    if not (policy.require_sso and policy.sso_enabled) or membership.role == Role.OWNER:
        return False
    return membership.organization_id not in request.session.get(SESSION_KEY, [])


def sso_message(membership: Membership) -> str:
    return _("%(org)s requires its single sign-on: continue with its identity provider.") % {
        "org": membership.organization.name
    }


def issuer_origin(config: OrgSecurity) -> str:
    """Where the sign-in button's form leads (the page's CSP `form-action` allows it)."""
    parts = urlsplit(config.saml_sso_url if config.sso_protocol == SsoProtocol.SAML else config.sso_issuer)
    return f"{parts.scheme}://{parts.netloc}"


def session_mark(request, org: Organization) -> None:
    orgs = set(request.session.get(SESSION_KEY, []))
    orgs.add(org.pk)
    request.session[SESSION_KEY] = sorted(orgs)
