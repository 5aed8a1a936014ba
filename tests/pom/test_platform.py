"""Settings, deployment checks, the OpenAPI schema, error bodies, throttling and time zones."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from pom import services
from pom.api.auth import ApiKeyRateThrottle
from pom.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vR2mZ" * 6,
    "DJANGO_ALLOWED_HOSTS": "pom.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://pom.example.com",
}


def _run(args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    base.pop("DATABASE_URL", None)  # the checks below need no database
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_dev_secret_with_debug_off():
    result = _run(["-c", "import pom.settings"], DJANGO_DEBUG="False")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_settings_accept_a_real_secret_with_debug_off():
    result = _run(["-c", "import pom.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE)"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


def test_settings_reject_a_boolean_that_is_not_true_or_false():
    result = _run(["-c", "import pom.settings"], DJANGO_DEBUG="yes")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be True or False" in result.stderr


def test_check_deploy_with_production_variables_reports_no_warnings():
    """The deployment (security) checks pass with the documented production variables.

    Only the `security` tag: drf-spectacular also hooks its schema check into --deploy, and the
    schema has its own test below.
    """
    result = _run(["manage.py", "check", "--deploy", "--tag", "security", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_openapi_schema_generates_and_validates_without_warnings():
    result = _run(["manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull])
    assert result.returncode == 0, result.stderr[-4000:]


@pytest.mark.django_db
def test_schema_and_docs_pages_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/o/{org_slug}/audit-events/" in schema.content
    assert b"bearer" in schema.content
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url)
        assert page.status_code == 200
        assert b"cdn." not in page.content  # served from the sidecar package, works offline


@pytest.mark.django_db
def test_error_bodies_share_one_shape(api_client_for, api_key_client, admin_user, viewer, org):
    not_found = api_client_for(admin_user).get(reverse("pom-api:organization", args=["missing"]))
    assert not_found.json() == {"status": 404, "code": "not_found", "detail": "No such organization"}
    denied = api_client_for(viewer).get(reverse("pom-api:audit-event-list", args=[org.slug]))
    assert set(denied.json()) == {"status", "code", "detail"} and denied.json()["status"] == 403
    anonymous = api_client_for(None).get(reverse("pom-api:member-list", args=[org.slug]))
    assert anonymous.json()["status"] == 401
    bad = api_client_for(admin_user).get(reverse("pom-api:audit-event-list", args=[org.slug]), {"since": "yesterday"})
    assert bad.status_code == 400
    body = bad.json()
    assert (body["status"], body["code"]) == (400, "invalid")
    assert "since" in body["errors"] and body["detail"].startswith("Invalid input: since:")


@pytest.mark.django_db
def test_service_validation_error_becomes_400_naming_the_field(rf, org, owner):
    from django.core.exceptions import ValidationError

    from pom.api.base import exception_handler

    response = exception_handler(ValidationError({"currency": "Use a three-letter code."}), {})
    assert response.status_code == 400
    assert response.data["errors"] == {"currency": ["Use a three-letter code."]}


@pytest.fixture
def private_cache(settings):
    """Throttle counters in this process only: with REDIS_URL the cache is a Redis database that
    parallel test processes clear between their tests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
def test_anonymous_requests_beyond_the_rate_get_429(client, monkeypatch, private_cache):
    # DRF reads rates from a dict bound on the class at import time: patch that dict for this test only.
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    statuses = [client.get("/api/schema/?format=json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = client.get("/api/schema/?format=json")
    assert json.loads(throttled.content)["code"] == "throttled"
    assert "Retry-After" in throttled.headers


@pytest.mark.django_db
def test_api_keys_of_different_organizations_do_not_share_a_rate_limit(
    api_key_client, org, other_org, monkeypatch, private_cache
):
    monkeypatch.setitem(ApiKeyRateThrottle.THROTTLE_RATES, "apikey", "1/minute")
    monkeypatch.setitem(ApiKeyRateThrottle.THROTTLE_RATES, "user", "1/minute")  # must not bucket keys together
    ours, theirs = api_key_client("read"), api_key_client("read", for_org=other_org)
    assert ours.get(reverse("pom-api:organization", args=[org.slug])).status_code == 200
    assert theirs.get(reverse("pom-api:organization", args=[other_org.slug])).status_code == 200
    assert ours.get(reverse("pom-api:organization", args=[org.slug])).status_code == 429


@pytest.mark.django_db
def test_times_are_shown_in_the_users_time_zone(client_for, admin_user, org, owner):
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save(update_fields=["time_zone"])
    services.api_key_create(org=org, actor=owner, name="Clock", scope="read")
    AuditEvent.objects.for_org(org).update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    body = client_for(admin_user).get(reverse("org_audit", args=[org.slug])).content.decode()
    assert "2 Mar 2026 08:30:00" in body  # 23:30 UTC is 08:30 the next morning in Tokyo
    assert "Asia/Tokyo" in body


@pytest.mark.django_db
def test_profile_changes_name_and_time_zone(client_for, outsider):
    client = client_for(outsider)
    response = client.post(reverse("profile"), {"name": "Otto Outsider", "time_zone": "America/New_York"})
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert (outsider.name, outsider.time_zone) == ("Otto Outsider", "America/New_York")
    bad = client.post(reverse("profile"), {"name": "x", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
