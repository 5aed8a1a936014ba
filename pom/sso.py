"""Single sign-on: OpenID Connect per organization through allauth's `openid_connect` provider.

An owner enters the identity provider's issuer, client id and secret and the e-mail domains it
vouches for (Settings → Security). POM then:
- routes people by e-mail domain: `/accounts/sso/` asks for the address and offers "Continue with
  <organization>'s sign-in" (`sso_config_for_email`, the one deliberate cross-tenant lookup);
- builds one allauth app per configured organization (`sso_apps`, provider id `pom-<org slug>`),
  so allauth runs the code flow, checks the ID token's issuer, audience and signature;
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

from pom import crypto, netguard
from pom.audit import audit_action, audit_create, update_fields
from pom.models import Membership, Organization, OrgSecurity, Role, User

DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SESSION_KEY = "pom_sso_orgs"
PROVIDER_PREFIX = "pom-"


def provider_id(org: Organization) -> str:
    return f"{PROVIDER_PREFIX}{org.slug}"


def callback_url(policy: OrgSecurity) -> str:
    """The redirect URI to register at the identity provider."""
    return settings.SITE_URL + reverse("openid_connect_callback", args=[provider_id(policy.organization)])


def form_initial(policy: OrgSecurity) -> dict:
    return {
        "enabled": policy.sso_enabled,
        "issuer": policy.sso_issuer,
        "client_id": policy.sso_client_id,
        "email_domains": ", ".join(policy.sso_email_domains),
        "default_role": policy.sso_default_role,
        "require_sso": policy.require_sso,
    }


# Reads ------------------------------------------------------------------------------------------


def sso_configurations():
    """Every organization with single sign-on switched on.

    Cross-tenant by design: allauth needs every provider to route a callback, and the sign-in page
    looks people's e-mail domain up before anyone knows their organization. Only the sign-in
    settings are read.
    """
    return OrgSecurity.objects.filter(sso_enabled=True).select_related("organization")


def sso_config_for_email(email: str) -> OrgSecurity | None:
    """The organization whose single sign-on vouches for this address's domain, if any."""
    domain = (email or "").rpartition("@")[2].strip().lower()
    if not domain:
        return None
    return next((c for c in sso_configurations() if domain in c.sso_email_domains), None)


def sso_apps(provider: str | None = None) -> list:
    """The allauth `SocialApp` (unsaved) of one organization's provider id (`pom-<slug>`).

    Only asked for by provider id: lists of providers (the login page's buttons, the connections
    page) never show them, so no visitor learns which organizations use POM or their provider.
    """
    from allauth.socialaccount.models import SocialApp

    if not provider or not provider.startswith(PROVIDER_PREFIX):
        return []
    apps = []
    for config in sso_configurations().filter(organization__slug=provider[len(PROVIDER_PREFIX) :]):
        pid = provider_id(config.organization)
        try:
            secret = crypto.decrypt(config.sso_client_secret_encrypted)
        except crypto.SecretUnreadable:
            continue
        apps.append(
            SocialApp(
                provider="openid_connect",
                provider_id=pid,
                name=config.organization.name,
                client_id=config.sso_client_id,
                secret=secret,
                settings={"server_url": config.sso_issuer, "oauth_pkce_enabled": True},
            )
        )
    return apps


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
    for config in sso_configurations().exclude(organization=org):
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


@transaction.atomic
def sso_configure(
    *,
    org: Organization,
    actor: User,
    enabled: bool,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: str,
    default_role: str,
    require_sso: bool,
) -> OrgSecurity:
    """Save the organization's OpenID Connect settings. Owners only; audited (never the secret).

    The issuer is checked live (reachable, public unless allowed, names itself); an empty secret
    keeps the stored one.
    """
    from pom.security import _check_owner, org_security

    _check_owner(org, actor)
    policy = org_security(org=org)
    if default_role not in (Role.VIEWER, Role.MANAGER):
        raise ValidationError({"default_role": _("New members join as viewer or manager.")})
    issuer = (issuer or "").strip().rstrip("/")
    data = {
        "sso_enabled": enabled,
        "sso_issuer": issuer,
        "sso_client_id": (client_id or "").strip(),
        "sso_email_domains": _domains(email_domains, actor, org),
        "sso_default_role": default_role,
        "require_sso": require_sso,
    }
    if enabled:
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


@transaction.atomic
def sso_jit_membership(*, config: OrgSecurity, user: User) -> Membership:
    """The person's membership in the SSO organization, created on first sign-in with the default role."""
    org = config.organization
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
    parts = urlsplit(config.sso_issuer)
    return f"{parts.scheme}://{parts.netloc}"


def session_mark(request, org: Organization) -> None:
    orgs = set(request.session.get(SESSION_KEY, []))
    orgs.add(org.pk)
    request.session[SESSION_KEY] = sorted(orgs)
