"""Outbound webhooks: endpoints, signed deliveries with retries, the delivery log, redelivery.

Flow: `pom.hooks.emit(event, org=, actor=, **payload)` → `webhooks_on_event` writes one
`WebhookDelivery` per active endpoint subscribed to the event (inside the caller's transaction)
and enqueues `pom.tasks.webhook_deliver` once it commits → `delivery_attempt` POSTs the JSON body,
signed, records a `WebhookAttempt` and either finishes or schedules a retry with exponential backoff.

Signature (see docs/webhooks.md, whose snippet a test runs against a real delivery):
    POM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>[,v1=<previous secret>]

Guarantees:
1. A delivery is claimed with a conditional update (pending/retrying and due, or sending with an
   expired lease → sending), so a duplicate task message sends nothing twice at once.
2. The HTTP request runs outside any transaction; its outcome is written in one transaction.
3. After `POM_WEBHOOK_MAX_ATTEMPTS` attempts a delivery is failed for good; after
   `POM_WEBHOOK_DISABLE_AFTER` consecutive failed attempts across deliveries an endpoint is
   disabled, audited, and its organization's owners and admins are told by e-mail.
4. Receivers are vetted against SSRF by `pom.netguard` when saved and again at every request.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pom import crypto, netguard
from pom.audit import Actor, _jsonable, audit_action, audit_create, audit_delete, snapshot, update_fields
from pom.common import actor_user
from pom.models import Membership, Organization, Role, User
from pom.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from pom.webhook_events import PING, event_types

SECRET_PREFIX = "whsec"
USER_AGENT = "POM-Webhooks/1.0"
MAX_BACKOFF = datetime.timedelta(hours=6)
HIDDEN_FIELD_MARKERS = ("hash", "secret", "password", "token")
AUDIT_EXCLUDE = ("secret_encrypted", "previous_secret_encrypted")


_user = actor_user  # pom.common


# Signing ----------------------------------------------------------------------------------------


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`: the `v1` value of POM-Signature."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime.datetime | None = None) -> list[str]:
    """The current secret, then the previous one while its overlap period lasts."""
    now = now or timezone.now()
    found = [crypto.decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        found.append(crypto.decrypt(endpoint.previous_secret_encrypted))
    return found


def signature_header(*, endpoint: WebhookEndpoint, timestamp: int, body: bytes) -> str:
    values = [f"t={timestamp}"] + [
        f"v1={sign(secret=s, timestamp=timestamp, body=body)}" for s in signing_secrets(endpoint)
    ]
    return ",".join(values)


def backoff(attempts: int) -> datetime.timedelta:
    """Wait before the next attempt after `attempts` failed ones: base × 2^(attempts−1), at most 6 h.

    With the default base of 30 s: 30 s, 1 min, 2 min, 4 min … so ten attempts span about 8.5 hours.
    """
    seconds = settings.POM_WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(datetime.timedelta(seconds=seconds), MAX_BACKOFF)


# Payloads ---------------------------------------------------------------------------------------


def serialize_value(value):
    """JSON for one payload value: a model becomes {object, id, fields…} without secrets or hashes."""
    if isinstance(value, models.Model):
        data = {"object": value._meta.label_lower, "id": value.pk}
        for name, field_value in snapshot(value).items():
            if name in ("id", "organization") or any(marker in name for marker in HIDDEN_FIELD_MARKERS):
                continue
            if isinstance(value, User) and name not in ("email", "name"):
                continue
            data[name] = field_value
        return data
    if isinstance(value, list | tuple):  # e.g. the ledger lines of "points.awarded"
        return [serialize_value(item) for item in value]
    return _jsonable(value)


def event_payload(*, event: str, org: Organization, actor: Actor, data: dict, event_id: uuid.UUID) -> dict:
    from pom.audit import actor_label

    return {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "organization": {"id": org.pk, "slug": org.slug, "name": org.name},
        "actor": actor_label(actor),
        "data": {key: serialize_value(value) for key, value in data.items()},
    }


# Reads ------------------------------------------------------------------------------------------


def endpoint_list(*, org: Organization):
    return WebhookEndpoint.objects.for_org(org).select_related("created_by").order_by("-created_at", "-id")


def delivery_list(
    *,
    org: Organization,
    endpoint: WebhookEndpoint | None = None,
    status: str | None = None,
    event_type: str | None = None,
):
    """The delivery log, newest first, narrowed by endpoint, status and event type."""
    qs = WebhookDelivery.objects.for_org(org).select_related("endpoint")
    if endpoint is not None:
        qs = qs.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event_type=event_type)
    return qs.order_by("-created_at", "-id")


def attempt_list(*, org: Organization, delivery: WebhookDelivery):
    return WebhookAttempt.objects.for_org(org).filter(delivery=delivery).order_by("number")


def deliveries_due(*, now: datetime.datetime | None = None):
    """Deliveries to (re)send now, in every organization.

    Cross-tenant by design: the periodic sweep (`webhooks_retry_due`) serves every organization and
    only enqueues (organization_id, delivery_id) pairs; each task re-scopes to its organization.
    """
    now = now or timezone.now()
    lost = now - datetime.timedelta(minutes=2)
    return WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lte=now)
        | Q(status=WebhookDelivery.Status.SENDING, lease_expires_at__lt=now)
        | Q(status=WebhookDelivery.Status.PENDING, created_at__lt=lost)
    ).values_list("organization_id", "id")


# Writes -----------------------------------------------------------------------------------------


def _check_event_types(values) -> list[str]:
    catalogue = event_types()
    values = list(dict.fromkeys(values or []))
    if not values:
        raise ValidationError({"event_types": _("Choose at least one event type.")})
    unknown = [v for v in values if v not in catalogue]
    if unknown:
        raise ValidationError({"event_types": _("Unknown event type: %(names)s.") % {"names": ", ".join(unknown)}})
    return values


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        netguard.check_url(url, require_https=settings.POM_WEBHOOK_REQUIRE_HTTPS)
    except netguard.UnsafeURL as exc:
        raise ValidationError({"url": str(exc)}) from None
    return url


@transaction.atomic
def endpoint_create(
    *,
    org: Organization,
    actor: Actor,
    url: str,
    event_types: list[str],
    description: str = "",
    vet_url: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it and its signing secret, shown to the person this once. Audited.

    `vet_url=False` only for the demo (`pom/demo_security.py`), whose documented example address
    does not resolve: it is still https-only, and every request is vetted again when sent.
    """
    raw = crypto.new_secret(SECRET_PREFIX)
    url = _check_url(url) if vet_url else (url or "").strip()
    if not url.startswith("https://"):
        url = _check_url(url)
    endpoint = WebhookEndpoint(
        organization=org,
        url=url,
        description=(description or "").strip(),
        event_types=_check_event_types(event_types),
        secret_encrypted=crypto.encrypt(raw),
        created_by=_user(actor),
    )
    endpoint.full_clean()
    endpoint.save()
    audit_create(org=org, actor=actor, obj=endpoint, exclude=AUDIT_EXCLUDE)
    return endpoint, raw


@transaction.atomic
def endpoint_update(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    """Change url, description, event types or the active flag. Re-enabling clears the failure count."""
    data = dict(data)
    if "url" in data:
        data["url"] = _check_url(data["url"])
    if "event_types" in data:
        data["event_types"] = _check_event_types(data["event_types"])
    if data.get("is_active") and not endpoint.is_active:
        data.update(consecutive_failures=0, disabled_at=None, disabled_reason="")
    return update_fields(org=org, actor=actor, instance=endpoint, data=data)


@transaction.atomic
def endpoint_rotate_secret(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint) -> str:
    """A new signing secret; the old one keeps signing for POM_WEBHOOK_SECRET_OVERLAP_HOURS. Audited."""
    raw = crypto.new_secret(SECRET_PREFIX)
    expires = timezone.now() + datetime.timedelta(hours=settings.POM_WEBHOOK_SECRET_OVERLAP_HOURS)
    WebhookEndpoint.objects.for_org(org).filter(pk=endpoint.pk).update(
        previous_secret_encrypted=endpoint.secret_encrypted,
        previous_secret_expires_at=expires,
        secret_encrypted=crypto.encrypt(raw),
        updated_at=timezone.now(),
    )
    endpoint.refresh_from_db()
    audit_action(
        org=org,
        actor=actor,
        obj=endpoint,
        verb="webhook.secret_rotated",
        changes={"previous_secret_valid_until": expires},
    )
    return raw


@transaction.atomic
def endpoint_delete(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint) -> None:
    audit_delete(org=org, actor=actor, obj=endpoint)
    endpoint.delete()


def _enqueue(delivery: WebhookDelivery, countdown: int | None = None) -> None:
    from pom.tasks import webhook_deliver

    transaction.on_commit(
        lambda: webhook_deliver.apply_async(args=(delivery.organization_id, delivery.pk), countdown=countdown)
    )


def webhooks_on_event(event: str, *, org: Organization, actor: Actor = None, **data) -> list[WebhookDelivery]:
    """Queue one delivery per active endpoint of `org` subscribed to `event`; called by `hooks.emit`.

    One query for the endpoints and one insert, inside the caller's transaction, so a rolled-back
    change sends nothing; the deliveries are enqueued once it commits.
    """
    if event not in event_types():
        return []
    endpoints = [e for e in WebhookEndpoint.objects.for_org(org).filter(is_active=True) if event in e.event_types]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = event_payload(event=event, org=org, actor=actor, data=data, event_id=event_id)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(organization=org, endpoint=e, event_id=event_id, event_type=event, payload=payload)
            for e in endpoints
        ]
    )
    for delivery in deliveries:
        _enqueue(delivery)
    return deliveries


def webhook_subscribed(*, org: Organization, event: str) -> bool:
    """Whether any active endpoint of `org` takes `event` (so callers skip building payloads nobody wants)."""
    return event in event_types() and any(
        event in types
        for types in WebhookEndpoint.objects.for_org(org).filter(is_active=True).values_list("event_types", flat=True)
    )


def webhooks_on_events(event: str, *, org: Organization, actor: Actor = None, items: list[dict]) -> int:
    """Many events of one type at once (e.g. `opportunity.credited` per opportunity a run changed).

    Set-based: one query for the endpoints and batched inserts; each item is its own event (its own
    id, one delivery per subscribed endpoint), enqueued once the caller's transaction commits.
    Returns the number of deliveries queued.
    """
    if event not in event_types() or not items:
        return 0
    endpoints = [e for e in WebhookEndpoint.objects.for_org(org).filter(is_active=True) if event in e.event_types]
    if not endpoints:
        return 0
    rows = []
    for data in items:
        event_id = uuid.uuid4()
        payload = event_payload(event=event, org=org, actor=actor, data=data, event_id=event_id)
        rows.extend(
            WebhookDelivery(organization=org, endpoint=e, event_id=event_id, event_type=event, payload=payload)
            for e in endpoints
        )
    deliveries = WebhookDelivery.objects.bulk_create(rows, batch_size=500)
    for delivery in deliveries:
        _enqueue(delivery)
    return len(deliveries)


@transaction.atomic
def endpoint_send_test(*, org: Organization, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a `webhook.ping` event to this endpoint only (the "Send a test event" button)."""
    event_id = uuid.uuid4()
    payload = event_payload(
        event=PING, org=org, actor=actor, data={"message": "Hello from POM", "endpoint": endpoint.pk}, event_id=event_id
    )
    delivery = WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        event_id=event_id,
        event_type=PING,
        payload=payload,
        requested_by=_user(actor),
    )
    _enqueue(delivery)
    return delivery


@transaction.atomic
def delivery_redeliver(*, org: Organization, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again as a new delivery (same event id, so receivers can de-duplicate)."""
    if not delivery.endpoint.is_active:
        raise ValidationError(_("This endpoint is disabled; enable it before redelivering."))
    copy = WebhookDelivery.objects.create(
        organization=org,
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        redelivery_of=delivery,
        requested_by=_user(actor),
    )
    audit_action(org=org, actor=actor, obj=delivery, verb="webhook.redelivered", changes={"new_delivery": copy.pk})
    _enqueue(copy)
    return copy


# Delivery ---------------------------------------------------------------------------------------


def _claim(*, organization_id: int, delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    lease = now + datetime.timedelta(seconds=settings.POM_WEBHOOK_TIMEOUT * 3 + 30)
    claimable = (
        WebhookDelivery.objects.for_org(organization_id)
        .filter(pk=delivery_id)
        .filter(
            Q(status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING])
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=WebhookDelivery.Status.SENDING, lease_expires_at__lt=now)
        )
    )
    if not claimable.update(status=WebhookDelivery.Status.SENDING, lease_expires_at=lease, attempts=F("attempts") + 1):
        return None
    return (
        WebhookDelivery.objects.for_org(organization_id).select_related("endpoint", "organization").get(pk=delivery_id)
    )


def delivery_attempt(*, organization_id: int, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt of a delivery if it is due; returns it as left, or None if nothing was due.

    1. Claim (conditional update). 2. POST outside any transaction. 3. In one transaction: log the
    attempt, then mark the delivery succeeded, retrying (with its next time) or failed, and keep the
    endpoint's count of consecutive failures, disabling the endpoint when it reaches the limit.
    """
    now = timezone.now()
    delivery = _claim(organization_id=organization_id, delivery_id=delivery_id, now=now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        response = netguard.Response(status=None, duration_ms=0, error=_("The endpoint is disabled."))
    else:
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        try:
            signature = signature_header(endpoint=endpoint, timestamp=timestamp, body=body)
        except crypto.SecretUnreadable as exc:
            response = netguard.Response(status=None, duration_ms=0, error=str(exc))
        else:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "POM-Event": delivery.event_type,
                "POM-Event-Id": str(delivery.event_id),
                "POM-Delivery": str(delivery.pk),
                "POM-Signature": signature,
            }
            response = netguard.post(
                endpoint.url,
                body=body,
                headers=headers,
                timeout=settings.POM_WEBHOOK_TIMEOUT,
                require_https=settings.POM_WEBHOOK_REQUIRE_HTTPS,
            )
    return _record_outcome(delivery=delivery, response=response, retry=endpoint.is_active)


@transaction.atomic
def _record_outcome(*, delivery: WebhookDelivery, response: netguard.Response, retry: bool) -> WebhookDelivery:
    org = delivery.organization
    now = timezone.now()
    ok = response.status is not None and 200 <= response.status < 300
    error = response.error or ("" if ok else _("The receiver answered HTTP %(code)s.") % {"code": response.status})
    WebhookAttempt.objects.create(
        organization=org,
        delivery=delivery,
        number=delivery.attempts,
        status_code=response.status,
        duration_ms=response.duration_ms,
        error=error[:500],
        response_excerpt=response.excerpt[:1000],
    )
    fields = {
        "last_status_code": response.status,
        "last_duration_ms": response.duration_ms,
        "last_error": error[:500],
        "lease_expires_at": None,
    }
    endpoints = WebhookEndpoint.objects.for_org(org).filter(pk=delivery.endpoint_id)
    if ok:
        fields.update(status=WebhookDelivery.Status.SUCCEEDED, delivered_at=now, next_attempt_at=None)
        endpoints.update(consecutive_failures=0)
    else:
        if retry and delivery.attempts < settings.POM_WEBHOOK_MAX_ATTEMPTS:
            fields.update(status=WebhookDelivery.Status.RETRYING, next_attempt_at=now + backoff(delivery.attempts))
        else:
            fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
        if retry:
            endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    WebhookDelivery.objects.for_org(org).filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    if fields["status"] == WebhookDelivery.Status.RETRYING:
        _enqueue(delivery, countdown=int((delivery.next_attempt_at - now).total_seconds()) + 1)
    if not ok and retry:
        _disable_if_failing(org=org, endpoint_id=delivery.endpoint_id)
    return delivery


def _disable_if_failing(*, org: Organization, endpoint_id: int) -> None:
    """Disable the endpoint once it failed POM_WEBHOOK_DISABLE_AFTER times in a row; tell the admins."""
    from pom.services import email_send

    limit = settings.POM_WEBHOOK_DISABLE_AFTER
    reason = _("Disabled after %(n)s failed deliveries in a row.") % {"n": limit}
    disabled = (
        WebhookEndpoint.objects.for_org(org)
        .filter(pk=endpoint_id, is_active=True, consecutive_failures__gte=limit)
        .update(is_active=False, disabled_at=timezone.now(), disabled_reason=reason)
    )
    if not disabled:
        return
    endpoint = WebhookEndpoint.objects.for_org(org).get(pk=endpoint_id)
    audit_action(org=org, actor=None, obj=endpoint, verb="webhook.disabled", changes={"reason": reason})
    WebhookDelivery.objects.for_org(org).filter(
        endpoint=endpoint, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING]
    ).update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None, last_error=_("The endpoint was disabled."))
    admins = list(
        Membership.objects.for_org(org).filter(role__in=[Role.OWNER, Role.ADMIN]).values_list("user__email", flat=True)
    )
    if admins:
        from django.urls import reverse

        url = settings.SITE_URL + reverse("org_webhook", args=[org.slug, endpoint.pk])
        email_send(
            to=admins,
            subject=_("[POM] Webhook endpoint disabled: %(url)s") % {"url": endpoint.url},
            body=_(
                "POM stopped sending events to %(url)s for %(org)s: %(reason)s\n\n"
                "Check the receiver, then enable the endpoint again and redeliver what it missed:\n%(link)s\n"
            )
            % {"url": endpoint.url, "org": org.name, "reason": reason, "link": url},
        )


def webhooks_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Enqueue every due retry and every delivery whose worker died or whose message was lost."""
    from pom.tasks import webhook_deliver

    due = list(deliveries_due(now=now))
    for organization_id, delivery_id in due:
        webhook_deliver.delay(organization_id, delivery_id)
    return len(due)
