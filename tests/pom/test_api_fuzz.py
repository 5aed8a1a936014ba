"""Schemathesis over the whole API schema with a write key on demo-like data: no 5xx, no schema mismatch.

One round over every operation, then more rounds until `POM_FUZZ_SECONDS` (default 3) and `POM_FUZZ_EXAMPLES`
(examples per operation, default 1). Run it longer with for example
`POM_FUZZ_SECONDS=600 POM_FUZZ_EXAMPLES=50 pytest tests/pom/test_api_fuzz.py` (docs/api.md).
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pom import services as pom_services
from pom.models import Role
from tests.factories import MembershipFactory
from tests.factories.attribution import (
    AccountFactory,
    DealRegistrationFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    TouchpointFactory,
)
from tests.factories.partners import (
    CertificationFactory,
    ContactFactory,
    PartnerFactory,
    PartnershipFactory,
    ProgramFactory,
    TierFactory,
)
from tests.factories.plans import KeyResultFactory, ObjectiveFactory, PlanFactory
from tests.factories.workspaces import CommentFactory, WorkspaceFactory, WorkspacePartnershipFactory

FUZZ_SECONDS = float(os.environ.get("POM_FUZZ_SECONDS", "3"))
FUZZ_EXAMPLES = int(os.environ.get("POM_FUZZ_EXAMPLES", "1"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}


def _demo_like(org) -> dict[str, list]:
    """A small portfolio with one of everything the API lists, so ids in paths often hit real rows."""
    owner = MembershipFactory(organization=org, role=Role.OWNER).user
    program = ProgramFactory(organization=org)
    tier = TierFactory(organization=org, program=program)
    partners = [PartnerFactory(organization=org) for _ in range(3)]
    partnerships = [PartnershipFactory(organization=org, partner=p, program=program, tier=tier) for p in partners]
    contact = ContactFactory(organization=org, partner=partners[0])
    certification = CertificationFactory(organization=org, partner=partners[0], contact=contact)
    account = AccountFactory(organization=org)
    opportunity = OpportunityFactory(organization=org, account=account)
    link = OpportunityPartnerFactory(organization=org, opportunity=opportunity, partnership=partnerships[0])
    touchpoint = TouchpointFactory(organization=org, opportunity=opportunity, partnership=partnerships[0])
    registration = DealRegistrationFactory(organization=org, partnership=partnerships[1])
    plan = PlanFactory(organization=org, partnership=partnerships[0], owner=owner)
    objective = ObjectiveFactory(organization=org, plan=plan)
    key_result = KeyResultFactory(organization=org, objective=objective)
    workspace = WorkspaceFactory(organization=org)
    WorkspacePartnershipFactory(organization=org, workspace=workspace, partnership=partnerships[0])
    comment = CommentFactory(organization=org, workspace=workspace, author=owner)
    rows = [program, tier, *partners, *partnerships, contact, certification, account, opportunity, link]
    rows += [touchpoint, registration, plan, objective, key_result, comment]
    return {"id": sorted({row.pk for row in rows}), "public_id": [str(workspace.public_id)]}


@functools.cache
def _document() -> dict:
    """The OpenAPI schema as `/api/schema/` serves it (generated once per test process)."""
    return SchemaGenerator().get_schema(request=None, public=True)


NULLABLE_NAMES = ("archetype_name", "journey_stage_name", "owner_email", "tier_name", "contact_name")
ERRORS = {"400", "401", "403", "404", "429"}


@pytest.mark.django_db
def test_schema_documents_what_the_api_answers():
    paths = _document()["paths"]
    components = _document()["components"]["schemas"]

    def ok_schema(path, method, code="200"):
        return paths[path][method]["responses"][code]["content"]["application/json"]["schema"]

    assert ok_schema("/api/o/{org_slug}/", "get") == {"$ref": "#/components/schemas/OrganizationOutput"}
    for path in ("/api/o/{org_slug}/opportunities/{id}/credits/", "/api/o/{org_slug}/registrations/{id}/trail/"):
        assert ok_schema(path, "get")["type"] == "array", path
    runs = paths["/api/o/{org_slug}/attribution-runs/"]["post"]["responses"]
    assert "202" in runs and "201" not in runs
    declared = 0
    for name, component in components.items():
        for field in NULLABLE_NAMES:
            if field in component.get("properties", {}):
                declared += 1
                assert component["properties"][field].get("nullable") is True, f"{name}.{field}"
    assert declared >= 5
    for path, item in paths.items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert set(operation["responses"]) >= ERRORS, f"{method.upper()} {path}"
    assert components["ErrorOutput"]["required"] == ["code", "detail", "status"]


@pytest.fixture
def fuzz_world(org, monkeypatch):
    ids = _demo_like(org)
    # The WSGI handler closes the database connection after each request; inside the test's
    # transaction it must stay open (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Expected 4xx answers would log a line each.
    monkeypatch.setattr(logging.getLogger("django.request"), "level", logging.ERROR)
    # The fuzzer sends more requests than one key may per minute; 429 is tested in test_platform.py.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "apikey", "1000000/minute")
    _key, raw = pom_services.api_key_create(
        org=org, actor=MembershipFactory(organization=org, role=Role.OWNER).user, name="fuzz", scope="write"
    )
    yield org, ids, raw
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_fuzzing_finds_no_server_error_and_no_schema_mismatch(fuzz_world):
    org, ids, raw = fuzz_world
    schema = schemathesis.openapi.from_dict(copy.deepcopy(_document()))
    app = get_wsgi_application()
    headers = {"Authorization": f"Bearer {raw}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/o/")]
    operations.sort(key=lambda op: (METHOD_ORDER.get(op.method.upper(), 9), op.path))
    assert len(operations) > 150, "the whole schema is fuzzed"

    def fill(case, draw):
        if "org_slug" in case.path_parameters:
            case.path_parameters["org_slug"] = org.slug
        for name, pool in ids.items():
            if name in case.path_parameters and draw(st.booleans()):
                case.path_parameters[name] = draw(st.sampled_from(pool))
        return case

    failures: list[str] = []
    sent = []
    deadline = time.monotonic() + FUZZ_SECONDS
    for round_number in range(1000):  # the first round covers the whole schema; more until the time is up
        for operation in operations:
            if round_number and time.monotonic() > deadline:
                break
            _fuzz_operation(operation, round_number, fill=fill, app=app, headers=headers, failures=failures, sent=sent)
        else:
            continue
        break
    print(f"fuzzed {len(sent)} requests over {len(operations)} operations in {round_number} full round(s)")
    assert not failures, "\n\n".join(failures)


def _fuzz_operation(operation, round_number, *, fill, app, headers, failures, sent) -> None:
    """`FUZZ_EXAMPLES` generated requests to one operation; failures are collected, not raised."""
    strategy = operation.as_strategy()
    label = f"{operation.method.upper()} {operation.path}"

    @seed(round_number)
    @given(data=st.data())
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(data):
        case = fill(data.draw(strategy), data.draw)
        response = case.call(app=app, headers=headers)
        sent.append(label)
        case.validate_response(response, checks=CHECKS, headers=headers)

    if any(failure.startswith(f"{label}: ") for failure in failures):
        return  # one report per operation
    try:
        run()
    except BaseException as exc:  # schemathesis raises a FailureGroup (a BaseExceptionGroup)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        failures.append(f"{label}: {exc}"[:2500])
