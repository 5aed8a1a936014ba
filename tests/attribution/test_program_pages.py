"""Vendor pages of incentives, MDF and joint solutions: what a manager sees and does, roles, other tenants."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution import incentives, mdf, solutions
from attribution.models import MdfRequest, Statement
from tests.factories import (
    CommissionRuleFactory,
    JointSolutionFactory,
    MdfBudgetFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def u(name, org, *args):
    return reverse(f"attribution:{name}", args=[org.slug, *args])


def _statement(org, member, amount="10000"):
    program = ProgramFactory(organization=org)
    partnership = PartnershipFactory(organization=org, program=program)
    CommissionRuleFactory(program=program, rate=Decimal("20"), basis="deal")
    opp = OpportunityFactory(organization=org, amount=Decimal(amount), status="won", closed_on=TODAY)
    OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=partnership, role="sourced")
    incentives.commission_accruals(org=org)
    incentives.statements_generate(org=org, actor=member, period_start=TODAY.replace(day=1), period_end=TODAY)
    return Statement.objects.for_org(org).get(partnership=partnership)


def _request(org, amount="1000"):
    program = ProgramFactory(organization=org)
    partnership = PartnershipFactory(organization=org, program=program)
    budget = MdfBudgetFactory(program=program, amount=Decimal("5000"))
    return mdf.mdf_request_submit(
        org=org,
        actor=None,
        partnership=partnership,
        budget=budget,
        activity="Webinar",
        start_date=budget.period_start,
        end_date=budget.period_start,
        amount_requested=amount,
    )


def test_statement_is_approved_then_paid_from_its_page(org, member, client_for):
    statement = _statement(org, member)
    client = client_for(member)
    body = client.get(u("statement", org, statement.pk)).content.decode()
    assert "2,000.00" in body and "10,000.00 EUR × 20.00 % = 2,000.00 EUR" in body
    client.post(u("statement", org, statement.pk), {"action": "approve"})
    client.post(u("statement", org, statement.pk), {"action": "pay", "payment_reference": "SEPA-77"})
    statement.refresh_from_db()
    assert (statement.status, statement.payment_reference) == ("paid", "SEPA-77")
    assert "SEPA-77" in client.get(u("incentives", org)).content.decode()


def test_incentive_rule_form_names_the_bad_field(org, member, client_for):
    program = ProgramFactory(organization=org)
    response = client_for(member).post(
        u("incentives", org),
        {
            "action": "rule",
            "program": program.pk,
            "name": "Too much",
            "kind": "percent",
            "basis": "deal",
            "scope": "all",
            "rate": "150",
            "recurring_periods": 1,
        },
    )
    assert response.status_code == 400 and "cannot be more than 100" in response.content.decode()


def test_exports_run_as_a_job_with_a_file(org, member, client_for, django_capture_on_commit_callbacks):
    _statement(org, member)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(member).post(u("incentives", org), {"action": "export", "format": "csv"})
    from pom import jobs

    job = jobs.job_latest(org=org, kind="attribution.commission_export", key="csv:")
    assert job.status == "done" and job.result_file.name.endswith(".csv")
    assert b"amount" in job.result_file.read()


def test_request_is_decided_and_reimbursed_from_its_page(org, member, client_for):
    item = _request(org)
    client = client_for(member)
    response = client.post(u("mdf_request", org, item.pk), {"action": "reject", "comment": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    client.post(u("mdf_request", org, item.pk), {"action": "approve", "amount": "800", "comment": "OK for 800"})
    item.refresh_from_db()
    assert (item.status, item.amount_approved) == ("approved", Decimal("800.00"))
    proof = [{"name": "p.pdf", "content_type": "application/pdf", "file": SimpleUploadedFile("p.pdf", b"%PDF-1.4 x")}]
    claim = mdf.mdf_claim_submit(org=org, actor=None, request=item, amount_claimed="800", results="", proofs=proof)
    client.post(u("mdf_request", org, item.pk), {"action": "claim-approve"})
    client.post(u("mdf_request", org, item.pk), {"action": "reimburse", "payment_reference": "PAY-9"})
    claim.refresh_from_db()
    assert (claim.status, claim.reimbursed_amount) == ("paid", Decimal("800.00"))
    body = client.get(u("mdf", org)).content.decode()
    assert "mdf-report" in body and "40 %" in body  # the reference beside the unused share
    assert client.get(u("mdf_proof", org, claim.proofs.get().public_id)).status_code == 200


def test_solution_page_vets_and_sets_the_split(org, member, client_for):
    partnership = PartnershipFactory(organization=org)
    solution = JointSolutionFactory(organization=org, title="Tax bridge")
    client = client_for(member)
    client.post(u("solution", org, solution.pk), {"action": "accept", "note": "Strong demand"})
    solution.refresh_from_db()
    assert solution.status == "active" and solution.steps.count() == 6
    client.post(
        u("solution", org, solution.pk),
        {"action": "split", "partnership": [partnership.pk], f"percent-{partnership.pk}": "70"},
    )
    solution.refresh_from_db()
    assert solution.split_rule.match_value == "Tax bridge"
    body = client.get(u("solution", org, solution.pk)).content.decode()
    assert "70.00 %" in body and "Build the integration" in body


def test_viewers_read_but_cannot_write(org, viewer, client_for):
    client = client_for(viewer)
    for name in ("incentives", "mdf", "solutions"):
        assert client.get(u(name, org)).status_code == 200
        assert client.post(u(name, org), {}).status_code == 403


def test_other_tenants_objects_are_404(org, other_org, member, other_member, client_for):
    statement = _statement(other_org, other_member)
    item = _request(other_org)
    solution = JointSolutionFactory(organization=other_org)
    client = client_for(member)
    assert client.get(u("statement", org, statement.pk)).status_code == 404
    assert client.post(u("statement", org, statement.pk), {"action": "approve"}).status_code == 404
    assert client.get(u("mdf_request", org, item.pk)).status_code == 404
    assert client.get(u("solution", org, solution.pk)).status_code == 404
    statement.refresh_from_db()
    assert statement.status == "draft"


@pytest.mark.parametrize("name", ["incentives", "mdf", "solutions"])
def test_list_pages_have_a_fixed_number_of_queries(org, member, client_for, name):
    client = client_for(member)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u(name, org)).status_code == 200
        return len(ctx.captured_queries)

    def grow():
        _statement(org, member)
        _request(org)
        solutions.solution_idea_submit(
            org=org,
            actor=member,
            title=f"Idea {MdfRequest.objects.count()}",
            problem="p",
            partnerships=[PartnershipFactory(organization=org)],
        )

    grow()
    small = count()
    for _ in range(4):
        grow()
    assert count() == small
