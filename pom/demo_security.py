"""Demo data for the integration and trust features (called by `seed_demo` after the apps' demo hooks).

Everything goes through the services, so the audit trail (Settings → Audit) shows it as it would
have happened:
- a webhook endpoint at the documented example address https://hooks.example.com/pom (example.com is
  reserved for documentation, so no one receives it), subscribed to real event types; a test event
  and the last partners' `partner.created` events are attempted for real, so its delivery log holds
  the genuine outcome ("The host name hooks.example.com does not resolve.", or whatever this
  machine's network answers) and retries with backoff; then its secret is rotated;
- single sign-on configured but switched off (OpenID Connect at an example issuer, nimbus.example);
- a security admin with a TOTP authenticator and recovery codes (the printed secret goes into any
  authenticator app), so the MFA policy page shows who has a second factor; "Require MFA" is left
  off so the other demo logins need no authenticator app;
- a read-only API key expiring in 90 days, rotated once (the old key works for the overlap).
"""

from __future__ import annotations

from pom import services, sso, webhooks
from pom.models import Membership, Role
from pom.models_webhooks import WebhookDelivery

EXAMPLE_URL = "https://hooks.example.com/pom"
DEMO_TOTP_SECRET = "NIMBUSDEMOSECURITYADMINTOTPKEY22"  # base32; a demo's known secret, never a real person's
SECURITY_ADMIN = ("sofia.security@nimbus.example", "Sofia Sandoval")


def seed(ctx) -> None:
    org = ctx.org
    owner, admin = ctx.users[Role.OWNER], ctx.users[Role.ADMIN]
    _webhooks(org, admin)
    sso.sso_configure(
        org=org,
        actor=owner,
        enabled=False,
        protocol="oidc",
        issuer="https://login.nimbus.example/oauth2/default",
        client_id="pom-nimbus-demo",
        client_secret="",
        email_domains="nimbus.example",
        default_role=Role.VIEWER,
        require_sso=False,
    )
    _security_admin(ctx)
    key, _ = services.api_key_create(org=org, actor=admin, name="BI warehouse export", scope="read", expires_in_days=90)
    services.api_key_rotate(org=org, actor=admin, key=key)


def _webhooks(org, admin) -> None:
    from partners.models import Partner

    endpoint, _ = webhooks.endpoint_create(
        org=org,
        actor=admin,
        url=EXAMPLE_URL,
        event_types=["partner.created", "registration.decided", "opportunity.credited", "plan.validated"],
        description="CRM sync (demo: example address, nobody receives it)",
        vet_url=False,
    )
    deliveries = [webhooks.endpoint_send_test(org=org, actor=admin, endpoint=endpoint)]
    for partner in Partner.objects.for_org(org).order_by("-id")[:2]:
        queued = webhooks.webhooks_on_event("partner.created", org=org, actor=admin, partner=partner)
        deliveries.extend(d for d in queued if d.endpoint_id == endpoint.pk)
    for delivery in deliveries:  # real attempts, outcome recorded as the worker would
        webhooks.delivery_attempt(organization_id=org.pk, delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    webhooks.endpoint_rotate_secret(org=org, actor=admin, endpoint=endpoint)
    assert WebhookDelivery.objects.for_org(org).filter(endpoint=endpoint).count() == len(deliveries)


def _security_admin(ctx) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    email, name = SECURITY_ADMIN
    user = ctx.user(email, name)
    Membership.objects.get_or_create(organization=ctx.org, user=user, defaults={"role": Role.ADMIN})
    TOTP.activate(user, DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)
    ctx.logins.append(("Security admin", email, ctx.password))
    ctx.data.setdefault("notes", []).append(
        f"{name} signs in with a second factor: TOTP secret {DEMO_TOTP_SECRET} in any authenticator app."
    )
