"""API of commission rules, statements, MDF and joint solutions, with isolation for every endpoint."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from attribution import incentives, mdf
from attribution.models import MdfRequest, Statement
from tests.factories import (
    CommissionRuleFactory,
    JointSolutionFactory,
    MdfBudgetFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    ProgramFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def u(name, org, *args):
    return reverse(f"attribution-api:{name}", args=[org.slug, *args])


@pytest.fixture
def graph(org, member):
    program = ProgramFactory(organization=org)
    partnership = PartnershipFactory(organization=org, program=program)
    CommissionRuleFactory(program=program, rate=Decimal("20"), basis="deal")
    opp = OpportunityFactory(organization=org, amount=Decimal("1000"), status="won", closed_on=TODAY)
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership, role="sourced")
    incentives.commission_accruals(org=org)
    incentives.statements_generate(org=org, actor=member, period_start=TODAY.replace(day=1), period_end=TODAY)
    budget = MdfBudgetFactory(program=program, amount=Decimal("3000"))
    request = mdf.mdf_request_submit(
        org=org,
        actor=None,
        partnership=partnership,
        budget=budget,
        activity="Event",
        start_date=budget.period_start,
        end_date=budget.period_start,
        amount_requested="1000",
    )
    solution = JointSolutionFactory(organization=org)
    return {
        "program": program,
        "partnership": partnership,
        "budget": budget,
        "request": request,
        "statement": Statement.objects.for_org(org).get(),
        "solution": solution,
    }


def test_rule_over_100_percent_is_refused(org, api_client, graph):
    response = api_client.post(
        u("commission-rule-list", org),
        {"program": graph["program"].pk, "name": "x", "kind": "percent", "rate": "101"},
        format="json",
    )
    assert response.status_code == 400 and "rate" in response.json()["errors"]


def test_statement_flow_and_closed_period(org, member, api_client, api_key_client, graph):
    st = graph["statement"]
    assert api_key_client("write").post(u("statement-approve", org, st.pk)).status_code == 400  # people approve
    assert api_client.post(u("statement-approve", org, st.pk)).json()["status"] == "approved"
    paid = api_client.post(u("statement-pay", org, st.pk), {"payment_reference": "SEPA-1"}, format="json")
    assert paid.json()["status"] == "paid" and paid.json()["total"] == "200.00"
    closed = api_client.post(
        u("statement-generate", org),
        {"period_start": TODAY.replace(day=1).isoformat(), "period_end": TODAY.isoformat()},
        format="json",
    )
    assert closed.status_code == 400 and "period_start" in closed.json()["errors"]
    lines = api_client.get(u("accrual-list", org), {"statement": st.pk}).json()["results"]
    assert lines[0]["amount"] == "200.00" and lines[0]["explanation"]


def test_mdf_over_budget_and_decision(org, api_client, graph):
    body = {
        "budget": graph["budget"].pk,
        "partnership": graph["partnership"].pk,
        "activity": "Roadshow",
        "start_date": TODAY.isoformat(),
        "end_date": TODAY.isoformat(),
        "amount_requested": "2000.01",
    }
    response = api_client.post(u("mdf-request-list", org), body, format="json")
    assert response.status_code == 400 and "amount_requested" in response.json()["errors"]
    assert MdfRequest.objects.for_org(org).count() == 1
    decided = api_client.post(
        u("mdf-request-decide", org, graph["request"].pk), {"approve": True, "amount_approved": "900"}, format="json"
    )
    assert decided.json()["status"] == "approved" and decided.json()["next_step"]["side"] == "partner"
    budget = api_client.get(u("mdf-budget-detail", org, graph["budget"].pk)).json()
    assert budget["remaining"] == "2100.00"
    report = api_client.get(u("mdf-budget-report", org)).json()
    assert report["programs"][0]["reference_percent"] == "40"


def test_solution_vet_and_split(org, api_client, graph):
    sid = graph["solution"].pk
    vetted = api_client.post(u("joint-solution-vet", org, sid), {"accept": True}, format="json").json()
    assert vetted["status"] == "active" and len(vetted["steps"]) == 6
    split = api_client.post(
        u("joint-solution-split", org, sid),
        {"shares": [{"partnership_id": graph["partnership"].pk, "percent": "40", "role": "ISV"}]},
        format="json",
    ).json()
    assert split["split_rule"] and split["partners"][0]["share_percent"] == "40.00"
    step = vetted["steps"][0]["id"]
    done = api_client.post(u("joint-solution-complete-step", org, sid), {"step": step}, format="json").json()
    assert done["steps"][0]["marked_done_at"]


ENDPOINTS = [
    ("commission-rule-list", None),
    ("accrual-list", None),
    ("statement-list", None),
    ("mdf-budget-list", None),
    ("mdf-request-list", None),
    ("mdf-claim-list", None),
    ("joint-solution-list", None),
    ("statement-detail", "statement"),
    ("mdf-request-detail", "request"),
    ("mdf-budget-detail", "budget"),
    ("joint-solution-detail", "solution"),
]


def test_isolation_of_every_endpoint(org, other_org, other_member, outsider, api_client_for, api_key_client, graph):
    partnership = graph["partnership"]
    guest = WorkspaceMemberFactory(
        workspace=WorkspacePartnershipFactory(partnership=partnership, workspace__organization=org).workspace
    ).user
    strangers = [
        api_client_for(other_member),
        api_client_for(outsider),
        api_client_for(guest),
        api_key_client("read", for_org=other_org),
    ]
    for name, key in ENDPOINTS:
        args = [graph[key].pk] if key else []
        for client in strangers:
            assert client.get(u(name, org, *args)).status_code == 404, name
        if key:  # this organization's ids are unknown inside the other organization
            assert api_client_for(other_member).get(u(name, other_org, *args)).status_code == 404, name
    for name, key in [
        ("statement-approve", "statement"),
        ("mdf-request-decide", "request"),
        ("joint-solution-vet", "solution"),
    ]:
        for client in strangers:
            assert client.post(u(name, org, graph[key].pk), {}, format="json").status_code == 404, name
        assert api_key_client("read").post(u(name, org, graph[key].pk), {}, format="json").status_code == 403
    assert graph["statement"].status == "draft"


@pytest.mark.parametrize("name", [e for e, key in ENDPOINTS if key is None])
def test_list_endpoints_have_a_fixed_number_of_queries(org, member, api_client, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow():
        program = ProgramFactory(organization=org)
        partnership = PartnershipFactory(organization=org, program=program)
        budget = MdfBudgetFactory(program=program, amount=Decimal("3000"))
        request = mdf.mdf_request_submit(
            org=org,
            actor=None,
            partnership=partnership,
            budget=budget,
            activity="E",
            start_date=budget.period_start,
            end_date=budget.period_start,
            amount_requested="100",
        )
        mdf.mdf_request_decide(org=org, actor=member, request=request, approve=True)
        from django.core.files.uploadedfile import SimpleUploadedFile

        mdf.mdf_claim_submit(
            org=org,
            actor=None,
            request=request,
            amount_claimed="100",
            results="",
            proofs=[{"name": "p.txt", "content_type": "text/plain", "file": SimpleUploadedFile("p.txt", b"proof")}],
        )
        CommissionRuleFactory(program=program, rate=Decimal("10"), basis="deal")
        opp = OpportunityFactory(organization=org, amount=Decimal("500"), status="won", closed_on=TODAY)
        OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership, role="sourced")
        JointSolutionFactory(organization=org)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(u(name, org)).status_code == 200
        return len(ctx.captured_queries)

    grow()
    incentives.commission_accruals(org=org)
    small = count()
    for _ in range(3):
        grow()
    incentives.commission_accruals(org=org)
    assert count() == small
