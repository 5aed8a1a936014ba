"""Outbound webhooks against a real local HTTP server: signatures checked with the documented snippet,
retries with backoff, disabling with a notice, secret rotation, SSRF refusals, pages and API."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from pom import hooks, webhooks
from pom.models import AuditEvent, Role
from pom.models_webhooks import WebhookDelivery, WebhookEndpoint
from tests.factories import MembershipFactory, PartnerFactory, UserFactory, WorkspaceMemberFactory

DOCS = Path(django_settings.BASE_DIR) / "docs" / "webhooks.md"


def documented_verify():
    """The verification function exactly as docs/webhooks.md prints it."""
    text = DOCS.read_text()
    block = re.search(r"<!-- verify-snippet.*?-->\s*```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(block, str(DOCS), "exec"), namespace)  # noqa: S102 - the docs' own snippet, on purpose
    return namespace["verify_pom_signature"]


@pytest.fixture
def loopback(settings):
    """Tests reach their own local receiver: loopback is allowed explicitly, plain HTTP too."""
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.POM_WEBHOOK_REQUIRE_HTTPS = False
    settings.POM_WEBHOOK_TIMEOUT = 2


def _endpoint(org, owner, url, types=("partner.created",)):
    return webhooks.endpoint_create(org=org, actor=owner, url=url, event_types=list(types))


def _emit_partner(org, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        from partners import services

        return services.partner_create(org=org, actor=owner, name="Acme Integrators", domain="acme.example")


def test_delivery_is_signed_and_the_documented_snippet_verifies_it(
    org,
    owner,
    receiver,
    loopback,
    django_capture_on_commit_callbacks,
):
    endpoint, secret = _endpoint(org, owner, receiver.url)
    partner = _emit_partner(org, owner, django_capture_on_commit_callbacks)

    [request] = receiver.wait_for(1)
    verify = documented_verify()
    assert verify(secret, request.headers["pom-signature"], request.body)
    assert not verify(secret, request.headers["pom-signature"], request.body.replace(b"Acme", b"Evil"))
    assert not verify("whsec_wrong", request.headers["pom-signature"], request.body)
    old = request.headers["pom-signature"].replace("t=", "t=1")  # a timestamp far from now
    assert not verify(secret, old, request.body)
    body = json.loads(request.body)
    assert body["type"] == "partner.created" and request.headers["pom-event"] == "partner.created"
    assert body["data"]["partner"]["id"] == partner.pk and body["data"]["partner"]["name"] == "Acme Integrators"
    assert body["organization"]["slug"] == org.slug
    delivery = WebhookDelivery.objects.for_org(org).get()
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.last_duration_ms is not None
    assert request.headers["pom-event-id"] == str(delivery.event_id)


def test_unsubscribed_events_and_other_tenants_send_nothing(
    org,
    owner,
    other_org,
    other_member,
    receiver,
    loopback,
    django_capture_on_commit_callbacks,
):
    _endpoint(org, owner, receiver.url, types=["plan.validated"])
    _endpoint(other_org, other_member, receiver.url, types=["partner.created"])
    _emit_partner(org, owner, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_failures_are_retried_with_backoff_until_success(org, owner, receiver, loopback, settings):
    settings.POM_WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.statuses = [500, 503, 200]
    endpoint, _secret = _endpoint(org, owner, receiver.url)
    [delivery] = hooks_emit_partner(org, owner)

    first = webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    assert first.status == "retrying" and first.last_status_code == 500
    wait = first.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=25) < wait <= datetime.timedelta(seconds=30)
    # Not due yet: a duplicate task message does nothing.
    assert webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk) is None

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    second = webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    assert second.status == "retrying" and second.last_status_code == 503
    assert datetime.timedelta(seconds=55) < second.next_attempt_at - timezone.now() <= datetime.timedelta(seconds=60)

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhooks.webhooks_retry_due() == 1  # the beat sweep finds it (and the eager task sends it)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    log = list(webhooks.attempt_list(org=org, delivery=delivery).values_list("number", "status_code"))
    assert log == [(1, 500), (2, 503), (3, 200)]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def hooks_emit_partner(org, owner):
    """Emit without running on-commit callbacks: the deliveries are written, not yet sent."""
    partner = PartnerFactory(organization=org)
    return webhooks.webhooks_on_event("partner.created", org=org, actor=owner, partner=partner)


def test_repeated_failures_disable_the_endpoint_and_tell_the_admins(
    org,
    owner,
    admin_user,
    member,
    receiver,
    loopback,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.POM_WEBHOOK_MAX_ATTEMPTS = 2
    settings.POM_WEBHOOK_DISABLE_AFTER = 3
    receiver.statuses = [500]
    endpoint, _secret = _endpoint(org, owner, receiver.url)
    first, second = hooks_emit_partner(org, owner)[0], hooks_emit_partner(org, owner)[0]
    webhooks.delivery_attempt(organization_id=org.id, delivery_id=first.pk)
    WebhookDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert webhooks.delivery_attempt(organization_id=org.id, delivery_id=first.pk).status == "failed"  # gave up
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the notice leaves once the outcome commits
        webhooks.delivery_attempt(organization_id=org.id, delivery_id=second.pk)  # third failure in a row

    endpoint.refresh_from_db()
    assert not endpoint.is_active and "3 failed deliveries" in endpoint.disabled_reason
    second.refresh_from_db()
    assert second.status == "failed"  # no further retries to a disabled endpoint
    assert AuditEvent.objects.for_org(org).filter(verb="webhook.disabled", object_id=str(endpoint.pk)).exists()
    [notice] = [m for m in mail.outbox if "disabled" in m.subject]
    assert set(notice.to) == {owner.email, admin_user.email} and member.email not in notice.to
    assert receiver.url in notice.body and f"/settings/webhooks/{endpoint.pk}/" in notice.body
    assert hooks_emit_partner(org, owner) == []  # a disabled endpoint gets no new deliveries

    webhooks.endpoint_update(org=org, actor=owner, endpoint=endpoint, data={"is_active": True})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_a_slow_receiver_times_out_with_a_clear_message(org, owner, receiver, loopback, settings):
    settings.POM_WEBHOOK_TIMEOUT = 1
    receiver.delay = 2.5
    _endpoint(org, owner, receiver.url)
    [delivery] = hooks_emit_partner(org, owner)
    result = webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    assert result.status == "retrying" and result.last_status_code is None
    assert result.last_error == "No answer within 1 s."


def test_rotation_signs_with_both_secrets_during_the_overlap(org, owner, receiver, loopback):
    endpoint, old = _endpoint(org, owner, receiver.url)
    new = webhooks.endpoint_rotate_secret(org=org, actor=owner, endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    verify = documented_verify()
    [delivery] = hooks_emit_partner(org, owner)
    webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    request = receiver.requests[-1]
    assert verify(old, request.headers["pom-signature"], request.body)
    assert verify(new, request.headers["pom-signature"], request.body)
    assert AuditEvent.objects.for_org(org).filter(verb="webhook.secret_rotated").exists()
    # Once the overlap is over, only the new secret signs.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    [delivery] = hooks_emit_partner(org, owner)
    webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    request = receiver.requests[-1]
    assert verify(new, request.headers["pom-signature"], request.body)
    assert not verify(old, request.headers["pom-signature"], request.body)


def test_redelivery_sends_the_same_event_again(org, owner, receiver, loopback, django_capture_on_commit_callbacks):
    _endpoint(org, owner, receiver.url)
    [delivery] = hooks_emit_partner(org, owner)
    webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        copy = webhooks.delivery_redeliver(org=org, actor=owner, delivery=delivery)
    copy.refresh_from_db()
    assert copy.status == "succeeded" and copy.redelivery_of == delivery
    first, second = receiver.wait_for(2)
    assert first.headers["pom-event-id"] == second.headers["pom-event-id"] == str(delivery.event_id)
    assert first.headers["pom-delivery"] != second.headers["pom-delivery"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/hook", "private or local address (127.0.0.1)"),
        ("http://localhost:9/hook", "private or local address"),
        ("http://169.254.169.254/latest/meta-data/", "private or local address (169.254.169.254)"),
        ("http://10.1.2.3/hook", "private or local address (10.1.2.3)"),
        ("http://192.168.0.10/hook", "private or local address"),
        ("http://[::1]:9/hook", "private or local address (::1)"),
        ("http://[::ffff:127.0.0.1]/hook", "private or local address"),
        ("http://user:pw@example.com/hook", "Leave credentials out"),
        ("ftp://example.com/hook", "http:// or https://"),
        ("http://does-not-exist.invalid/hook", "does not resolve"),
    ],
)
def test_private_loopback_and_odd_addresses_are_refused(org, owner, settings, url, message):
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = []
    settings.POM_WEBHOOK_REQUIRE_HTTPS = False
    with pytest.raises(ValidationError) as caught:
        _endpoint(org, owner, url)
    assert message in caught.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.for_org(org).exists()


def test_https_is_required_outside_debug(org, owner, settings):
    settings.POM_WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(ValidationError) as caught:
        _endpoint(org, owner, "http://203.0.113.10/hook")
    assert "https://" in caught.value.message_dict["url"][0]


def test_unknown_event_types_are_named(org, owner, loopback, receiver):
    with pytest.raises(ValidationError) as caught:
        _endpoint(org, owner, receiver.url, types=["partner.created", "partner.teleported"])
    assert caught.value.message_dict["event_types"] == ["Unknown event type: partner.teleported."]


def test_an_address_allowed_when_saved_is_checked_again_at_send_time(org, owner, receiver, loopback, settings):
    _endpoint(org, owner, receiver.url)
    [delivery] = hooks_emit_partner(org, owner)
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = []  # e.g. the name now resolves inside the network
    result = webhooks.delivery_attempt(organization_id=org.id, delivery_id=delivery.pk)
    assert "private or local address" in result.last_error
    assert receiver.requests == []


def test_apps_declare_event_types_in_one_line():
    catalogue = webhooks.event_types()
    for name in ("partner.created", "partnership.created", "plan.validated", "registration.decided"):
        assert name in catalogue
    assert all(str(label) for label in catalogue.values())


# Pages -----------------------------------------------------------------------------------------


def test_admin_adds_an_endpoint_and_sees_the_secret_once(org, admin_user, client_for, receiver, loopback):
    client = client_for(admin_user)
    response = client.post(
        f"/o/{org.slug}/settings/webhooks/",
        {"url": receiver.url, "description": "CRM", "event_types": ["partner.created", "plan.validated"]},
    )
    assert response.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.for_org(org).get()
    assert webhooks.signing_secrets(endpoint) == [secret]
    page = client.get(f"/o/{org.slug}/settings/webhooks/{endpoint.pk}/").content.decode()
    assert secret not in page and receiver.url in page
    assert AuditEvent.objects.for_org(org).filter(object_type="pom.webhookendpoint", action="create").exists()
    assert "secret" not in json.dumps(AuditEvent.objects.for_org(org).get(object_type="pom.webhookendpoint").changes)

    client.post(f"/o/{org.slug}/settings/webhooks/{endpoint.pk}/test/")
    delivery = WebhookDelivery.objects.for_org(org).get(event_type="webhook.ping")
    page = client.get(f"/o/{org.slug}/settings/webhook-deliveries/{delivery.pk}/").content.decode()
    assert "webhook.ping" in page and "Redeliver" in page


def test_bad_input_on_the_page_names_the_field(org, admin_user, client_for, settings):
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = []
    response = client_for(admin_user).post(
        f"/o/{org.slug}/settings/webhooks/", {"url": "http://10.0.0.5/hook", "event_types": ["partner.created"]}
    )
    assert response.status_code == 400
    assert "points to a private or local address" in response.content.decode()
    assert not WebhookEndpoint.objects.for_org(org).exists()


@pytest.fixture
def foreign_endpoint(other_org, other_member, loopback, receiver):
    endpoint, _ = _endpoint(other_org, other_member, receiver.url)
    [delivery] = webhooks.webhooks_on_event(
        "partner.created", org=other_org, actor=None, partner=PartnerFactory(organization=other_org)
    )
    return endpoint, delivery


def test_pages_are_isolated(
    org, owner, member, other_member, outsider, client_for, foreign_endpoint, loopback, receiver
):
    foreign, foreign_delivery = foreign_endpoint
    mine, _ = _endpoint(org, owner, receiver.url)
    guest = UserFactory()
    from tests.factories import PartnershipFactory
    from workspaces import services as ws_services

    workspace = ws_services.workspace_ensure_for_partnership(
        org=org, actor=owner, partnership=PartnershipFactory(organization=org)
    )
    WorkspaceMemberFactory(workspace=workspace, user=guest, side="partner")
    pages = [
        f"/o/{org.slug}/settings/webhooks/",
        f"/o/{org.slug}/settings/webhooks/{mine.pk}/",
    ]
    for url in pages:
        assert client_for(member).get(url).status_code == 403  # a manager: known, role too low
        for user in (other_member, outsider, guest):
            assert client_for(user).get(url).status_code == 404
    owner_client = client_for(owner)
    assert owner_client.get(f"/o/{org.slug}/settings/webhooks/{foreign.pk}/").status_code == 404
    assert owner_client.get(f"/o/{org.slug}/settings/webhook-deliveries/{foreign_delivery.pk}/").status_code == 404
    assert owner_client.post(f"/o/{org.slug}/settings/webhooks/{foreign.pk}/rotate/").status_code == 404
    assert owner_client.post(f"/o/{org.slug}/settings/webhook-deliveries/{foreign_delivery.pk}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.previous_secret_encrypted == ""


# API ---------------------------------------------------------------------------------------------


def test_api_manages_endpoints_for_admins_only(
    django_capture_on_commit_callbacks,
    org,
    admin_user,
    api_client_for,
    api_key_client,
    foreign_endpoint,
    loopback,
    receiver,
):
    foreign, foreign_delivery = foreign_endpoint
    api = api_client_for(admin_user)
    base = f"/api/o/{org.slug}/webhooks/"
    created = api.post(base, {"url": receiver.url, "event_types": ["partner.created"]}, format="json")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    endpoint_id = created.json()["id"]
    listed = api.get(base).json()
    assert [e["id"] for e in listed["results"]] == [endpoint_id] and "secret" not in listed["results"][0]
    bad = api.post(base, {"url": receiver.url, "event_types": ["nope"]}, format="json")
    assert bad.status_code == 400 and "event_types" in bad.json()["errors"]
    rotated = api.post(f"{base}{endpoint_id}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != created.json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):  # the ping is sent once the request commits
        assert api.post(f"{base}{endpoint_id}/test/").status_code == 202
    deliveries = api.get(f"/api/o/{org.slug}/webhook-deliveries/?endpoint={endpoint_id}").json()["results"]
    assert [d["event_type"] for d in deliveries] == ["webhook.ping"]
    detail = api.get(f"/api/o/{org.slug}/webhook-deliveries/{deliveries[0]['id']}/").json()
    assert detail["attempt_log"][0]["status_code"] == 200
    assert api.post(f"/api/o/{org.slug}/webhook-deliveries/{deliveries[0]['id']}/redeliver/").status_code == 202
    types = api.get(f"{base}event-types/").json()
    assert {"name": "partner.created", "description": "A partner was added to the directory"} in types
    # Other tenant's rows: 404; keys (read or write): 403, they never manage webhooks.
    assert api.get(f"{base}{foreign.pk}/").status_code == 404
    assert api.post(f"/api/o/{org.slug}/webhook-deliveries/{foreign_delivery.pk}/redeliver/").status_code == 404
    assert api.get(f"/api/o/{org.slug}/webhook-deliveries/?endpoint={foreign.pk}").json()["results"] == []
    for scope in ("read", "write"):
        assert api_key_client(scope).get(base).status_code == 403
    assert api.patch(f"{base}{endpoint_id}/", {"is_active": False}, format="json").json()["is_active"] is False
    assert api.delete(f"{base}{endpoint_id}/").status_code == 204


def test_api_members_and_outsiders(org, member, other_member, outsider, api_client_for):
    for user, code in ((member, 403), (other_member, 404), (outsider, 404)):
        assert api_client_for(user).get(f"/api/o/{org.slug}/webhook-deliveries/").status_code == code


@pytest.mark.parametrize("rows", [2, 12])
def test_delivery_log_queries_do_not_grow_with_rows(
    org,
    owner,
    admin_user,
    client_for,
    api_client_for,
    django_assert_max_num_queries,
    loopback,
    receiver,
    rows,
):
    endpoint, _ = _endpoint(org, owner, receiver.url)
    for _ in range(rows):
        hooks_emit_partner(org, owner)
    client, api = client_for(admin_user), api_client_for(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(f"/o/{org.slug}/settings/webhooks/{endpoint.pk}/").status_code == 200
    with django_assert_max_num_queries(8):
        assert len(api.get(f"/api/o/{org.slug}/webhook-deliveries/").json()["results"]) == rows


def test_emit_reaches_webhooks_from_any_app(org, owner, receiver, loopback):
    _endpoint(org, owner, receiver.url, types=["partnership.created"])
    from tests.factories import PartnershipFactory

    partnership = PartnershipFactory(organization=org)
    hooks.emit("partnership.created", org=org, actor=owner, partnership=partnership)
    delivery = WebhookDelivery.objects.for_org(org).get()
    assert delivery.payload["data"]["partnership"]["object"] == "partners.partnership"
    assert delivery.payload["actor"] == owner.display_name
    assert MembershipFactory._meta.model.objects.filter(role=Role.OWNER, organization=org).exists()
