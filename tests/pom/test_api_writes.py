"""A write either answers its result or writes nothing: the API's write transaction."""

import pytest

from pom.models import ApiKey, AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pom.write_guard_urls")]

URL = "/api/o/nimbus/keys/"


def test_write_that_answers_is_kept(org, admin_user, api_client_for):
    response = api_client_for(admin_user).post(URL, {"name": "CRM"}, format="json")
    assert response.status_code == 201
    assert ApiKey.objects.for_org(org).filter(name="CRM").exists()


def test_error_answer_after_a_write_undoes_the_write(org, admin_user, api_client_for):
    response = api_client_for(admin_user).post(URL, {"name": "CRM", "fail": "400"}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"name": ["This answer cannot be given."]}
    assert not ApiKey.objects.for_org(org).exists()
    assert not AuditEvent.objects.for_org(org).filter(object_type="pom.apikey").exists()


def test_crash_after_a_write_undoes_the_write(org, admin_user, api_client_for):
    client = api_client_for(admin_user)
    client.raise_request_exception = False
    response = client.post(URL, {"name": "CRM", "fail": "500"}, format="json")
    assert response.status_code == 500
    assert not ApiKey.objects.for_org(org).exists()


def test_refused_key_request_keeps_the_recorded_last_use(org, api_key_client):
    client = api_key_client("write")
    key = ApiKey.objects.for_org(org).get()
    assert key.last_used_at is None
    assert client.post(URL, {"name": "CRM"}, format="json").status_code == 403  # keys never act as admin
    key.refresh_from_db()
    assert key.last_used_at is not None
