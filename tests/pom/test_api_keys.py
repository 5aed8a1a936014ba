"""API key life cycle: created in settings and shown once, used as Bearer, scoped, revoked."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from pom.api.auth import hash_key
from pom.models import ApiKey


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _create_in_settings(client, org, name="CRM sync", scope="read") -> tuple[str, str]:
    response = client.post(reverse("org_api_keys", args=[org.slug]), {"name": name, "scope": scope})
    assert response.status_code == 200
    body = response.content.decode()
    raw = re.search(r'value="(pom_[0-9a-f]{8}_[\w-]+)"', body).group(1)
    return raw, body


@pytest.mark.django_db
def test_key_created_in_settings_is_shown_once_and_stored_hashed(client_for, admin_user, org):
    client = client_for(admin_user)
    raw, body = _create_in_settings(client, org)
    assert "it will never be shown again" in body
    key = ApiKey.objects.for_org(org).get()
    assert key.key_hash == hash_key(raw)
    assert raw.startswith(f"pom_{key.prefix}_")
    assert raw not in str(ApiKey.objects.for_org(org).values_list())
    again = client.get(reverse("org_api_keys", args=[org.slug])).content.decode()
    assert raw not in again
    assert f"pom_{key.prefix}_" in again


@pytest.mark.django_db
def test_bearer_key_reads_its_organization_and_records_last_use(client_for, admin_user, org):
    raw, _ = _create_in_settings(client_for(admin_user), org)
    response = _bearer(raw).get(reverse("pom-api:organization", args=[org.slug]))
    assert response.status_code == 200
    assert response.json()["slug"] == org.slug
    key = ApiKey.objects.for_org(org).get()
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < timedelta(seconds=10)
    page = client_for(admin_user).get(reverse("org_api_keys", args=[org.slug])).content.decode()
    assert '<span class="muted">never</span>' not in page


@pytest.mark.django_db
def test_read_key_cannot_write(api_key_client, org):
    response = api_key_client("read").post(reverse("pom-api:member-list", args=[org.slug]), {})
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key has read scope; writing needs a key with write scope."


@pytest.mark.django_db
def test_keys_cannot_use_admin_endpoints(api_key_client, org):
    response = api_key_client("write").get(reverse("pom-api:audit-event-list", args=[org.slug]))
    assert response.status_code == 403
    assert "API keys cannot use this endpoint" in response.json()["detail"]


@pytest.mark.django_db
def test_revoked_key_is_401(client_for, admin_user, org):
    client = client_for(admin_user)
    raw, _ = _create_in_settings(client, org)
    key = ApiKey.objects.for_org(org).get()
    response = client.post(reverse("org_api_key_revoke", args=[org.slug, key.pk]), follow=True)
    assert "revoked" in response.content.decode()
    response = _bearer(raw).get(reverse("pom-api:organization", args=[org.slug]))
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "This API key has been revoked.",
    }


@pytest.mark.django_db
def test_key_of_one_org_on_another_orgs_url_is_404(api_key_client, org, other_org):
    response = api_key_client("write").get(reverse("pom-api:organization", args=[other_org.slug]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer pom_deadbeef_nope", "Bearer \xe9t\xe9"])
def test_malformed_or_unknown_key_is_401(org, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("pom-api:organization", args=[org.slug]))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
def test_key_list_api_shows_prefix_never_hash(api_client_for, admin_user, org, api_key_client):
    api_key_client("read")
    response = api_client_for(admin_user).get(reverse("pom-api:api-key-list", args=[org.slug]))
    row = response.json()["results"][0]
    assert set(row) == {
        "id", "name", "prefix", "scope", "created_at", "last_used_at", "revoked_at", "expires_at", "replaced_by"
    }  # fmt: skip


@pytest.mark.django_db
def test_key_form_without_name_names_the_field(client_for, admin_user, org):
    response = client_for(admin_user).post(reverse("org_api_keys", args=[org.slug]), {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ApiKey.objects.for_org(org).exists()
