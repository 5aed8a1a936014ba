"""The API edge (issues 18 and 15): JSON errors everywhere under /api/, strict bodies, writes that
answer what they wrote, and what API keys may see."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from partners.models import Partner, Program
from pom.api.base import ServiceViewSet
from tests.factories import PartnerFactory, ProgramFactory
from tests.factories.plans import PlanTemplateFactory

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"status", "code", "detail"}


def _is_error_body(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) >= ERROR_KEYS and body["status"] == status
    return body


@pytest.mark.parametrize(
    "path", ["/api/", "/api/nothing/here/", "/api/o/nimbus/no-such-endpoint/", "/api/o/nimbus/partners/999999999/"]
)
def test_unknown_api_paths_answer_the_json_error_body(path, org, api_client):
    body = _is_error_body(api_client.get(path), 404)
    assert body["code"] == "not_found"


def test_unknown_api_path_is_json_for_anonymous_callers_too(org, client):
    assert _is_error_body(client.get("/api/o/nimbus/nope/"), 404)["detail"]


def test_wrong_method_answers_json_405_with_allow(org, api_client):
    response = api_client.delete(reverse("partners-api:partner-list", args=[org.slug]))
    body = _is_error_body(response, 405)
    assert body["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_404(org, member_client):
    response = member_client.get("/o/nimbus/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_post_with_a_list_filter_in_the_query_answers_the_row_it_wrote(org, api_client):
    url = reverse("partners-api:partner-list", args=[org.slug]) + "?status=inactive"
    response = api_client.post(url, {"name": "Acme Integrations", "status": "active"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Acme Integrations"
    assert Partner.objects.for_org(org).filter(name="Acme Integrations").count() == 1


def test_account_post_with_a_filter_in_the_query_answers_201(org, api_client):
    url = reverse("attribution-api:account-list", args=[org.slug]) + "?type=prospect&region=APAC"
    response = api_client.post(url, {"name": "Globex", "type": "customer", "region": "EMEA"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Globex"


def test_program_post_refuses_empty_currency_unknown_fields_and_wrong_types(org, api_client):
    url = reverse("partners-api:program-list", args=[org.slug])
    base = {"name": "Resellers", "kind": "reseller"}
    empty = _is_error_body(api_client.post(url, {**base, "currency": ""}, format="json"), 400)
    assert "currency" in empty["errors"]
    unknown = _is_error_body(api_client.post(url, {**base, "colour": "blue"}, format="json"), 400)
    assert unknown["errors"] == {"colour": ["Unknown field."]}
    wrong = _is_error_body(api_client.post(url, {**base, "rate": {"a": 1}, "is_active": "maybe"}, format="json"), 400)
    assert {"rate", "is_active"} <= set(wrong["errors"])
    not_object = _is_error_body(api_client.post(url, ["Resellers"], format="json"), 400)
    assert not_object["code"] == "invalid"
    assert not Program.objects.for_org(org).filter(name="Resellers").exists()


def test_program_patch_refuses_unknown_fields_and_wrong_types(org, api_client):
    program = ProgramFactory(organization=org, name="Referral", currency="EUR")
    url = reverse("partners-api:program-detail", args=[org.slug, program.pk])
    assert "currency" in _is_error_body(api_client.patch(url, {"currency": ""}, format="json"), 400)["errors"]
    assert "nmae" in _is_error_body(api_client.patch(url, {"nmae": "X"}, format="json"), 400)["errors"]
    assert "rate" in _is_error_body(api_client.patch(url, {"rate": "lots"}, format="json"), 400)["errors"]
    program.refresh_from_db()
    assert (program.name, program.currency) == ("Referral", "EUR")


def test_template_clone_refuses_unknown_fields_and_wrong_types(org, api_client):
    template = PlanTemplateFactory(organization=org)
    url = reverse("plans-api:template-clone", args=[org.slug, template.pk])
    assert "colour" in _is_error_body(api_client.post(url, {"colour": 1}, format="json"), 400)["errors"]
    assert _is_error_body(api_client.post(url, "just a string", format="json"), 400)


def test_bulk_upsert_refuses_unknown_top_level_fields(org, api_client):
    url = reverse("partners-api:partner-bulk-upsert", args=[org.slug])
    body = _is_error_body(api_client.post(url, {"partners": [{"name": "A"}], "dry": True}, format="json"), 400)
    assert body["errors"] == {"dry": ["Unknown field."]}
    assert not Partner.objects.for_org(org).filter(name="A").exists()


def test_api_keys_do_not_list_members_and_the_readme_says_so(org, api_key_client, viewer, api_client_for):
    url = reverse("pom-api:member-list", args=[org.slug])
    for scope in ("read", "write"):
        body = _is_error_body(api_key_client(scope).get(url), 403)
        assert "API keys cannot use this endpoint" in body["detail"]
    listed = api_client_for(viewer).get(url)
    assert listed.status_code == 200 and viewer.email in str(listed.json())
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert re.search(r"keys never reach[^.]*members", readme)


def test_api_key_still_reads_partners_with_owner_email(org, api_key_client, member):
    PartnerFactory(organization=org, owner=member)
    response = api_key_client("read").get(reverse("partners-api:partner-list", args=[org.slug]))
    assert response.status_code == 200
    assert response.json()["results"][0]["owner_email"] == member.email


def test_every_app_writes_through_the_one_service_viewset_base():
    """No api/ module validates a body by hand: writes go through `ServiceViewSet` / `validated()`."""
    root = Path(settings.BASE_DIR)
    by_hand = []
    for app in ("partners", "plans", "attribution", "workspaces", "reports", "pom"):
        for module in sorted((root / app / "api").glob("*.py")):
            text = module.read_text()
            if module.name != "base.py" and "is_valid(raise_exception=True)" in text:
                by_hand.append(str(module.relative_to(root)))
    assert by_hand == [], "use ServiceViewSet or self.validated(...)"
    assert ServiceViewSet.create_object is None  # writes are opt-in per view set


def test_point_rule_post_with_a_filter_in_the_query_answers_the_rule(org, api_client):
    program = ProgramFactory(organization=org)
    url = reverse("partners-api:point-rule-list", args=[org.slug]) + "?is_active=false&activity=event"
    body = {"program": program.pk, "activity": "deal_won", "name": "Per 10k", "points": 10, "per_amount": "10000"}
    created = api_client.post(url, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "Per 10k" and created.json()["is_active"] is True
    detail = reverse("partners-api:point-rule-detail", args=[org.slug, created.json()["id"]])
    renamed = api_client.patch(detail, {"name": "Per 20k"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["name"] == "Per 20k"
    assert api_client.put(detail, body, format="json").status_code == 405  # PATCH only, as before
