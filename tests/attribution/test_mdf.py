"""Market development funds: budget arithmetic, the request-to-compliance lifecycle, concurrency."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from attribution import mdf, mdf_report, mdf_selectors
from attribution.models import MdfBudget, MdfRequest, Opportunity
from pom.models import Role
from tests.factories import (
    MdfBudgetFactory,
    MembershipFactory,
    OpportunityFactory,
    PartnershipFactory,
    ProgramFactory,
)

D = Decimal
TODAY = datetime.date.today()


def _request(org, actor, partnership, budget, amount, **kw):
    return mdf.mdf_request_submit(
        org=org,
        actor=actor,
        partnership=partnership,
        budget=budget,
        activity=kw.pop("activity", "Webinar"),
        start_date=kw.pop("start_date", budget.period_start),
        end_date=kw.pop("end_date", budget.period_start),
        amount_requested=amount,
        **kw,
    )


def _proof():
    return [
        {
            "name": "invoice.pdf",
            "content_type": "application/pdf",
            "file": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 proof", content_type="application/pdf"),
        }
    ]


@pytest.fixture
def setup(org):
    program = ProgramFactory(organization=org)
    return (
        program,
        PartnershipFactory(organization=org, program=program),
        MdfBudgetFactory(program=program, amount=D("10000")),
    )


@pytest.mark.django_db
def test_lifecycle_from_request_to_compliance(org, member, setup):
    _program, partnership, budget = setup
    request = _request(org, None, partnership, budget, "4000", campaign_code="spring-webinar")
    assert request.campaign_code == "SPRING-WEBINAR"
    assert mdf_selectors.next_step(request)[1] == "vendor"
    assert mdf_selectors.budget_remaining(org=org, budget=budget) == D("6000")
    request = mdf.mdf_request_decide(
        org=org,
        actor=member,
        request=request,
        approve=True,
        amount_approved="3000",
        comment="Approved for the EMEA list only",
    )
    assert mdf_selectors.budget_remaining(org=org, budget=budget) == D("7000")  # the approved amount is what is held
    assert mdf_selectors.next_step(request) == ("Run the activity, then claim with proof of performance", "partner")
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_submit(org=org, actor=None, request=request, amount_claimed="3500", results="", proofs=_proof())
    assert "above the approved amount" in exc.value.message_dict["amount_claimed"][0]
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_claim_submit(org=org, actor=None, request=request, amount_claimed="2800", results="", proofs=[])
    assert "proofs" in exc.value.message_dict
    claim = mdf.mdf_claim_submit(
        org=org,
        actor=None,
        request=request,
        amount_claimed="2800",
        results="120 leads",
        leads_generated=120,
        proofs=_proof(),
    )
    assert claim.proofs.count() == 1
    claim = mdf.mdf_claim_decide(org=org, actor=member, claim=claim, approve=True)
    with pytest.raises(ValidationError):
        mdf.mdf_reimburse(org=org, actor=member, claim=claim, amount="2900", payment_reference="PAY-1")
    claim = mdf.mdf_reimburse(org=org, actor=member, claim=claim, amount="2800", payment_reference="PAY-1")
    assert mdf_selectors.budget_remaining(org=org, budget=budget) == D("7200")  # what was not spent goes back
    mdf.mdf_compliance_check(org=org, actor=member, claim=claim, passed=True)
    request.refresh_from_db()
    assert request.status == MdfRequest.Status.CLOSED
    assert [e.kind for e in mdf_selectors.mdf_trail(org=org, request=request)] == [
        "submitted",
        "decided",
        "claimed",
        "claim_approved",
        "reimbursed",
        "compliance",
    ]


@pytest.mark.django_db
def test_bad_input_is_refused_with_the_field_and_nothing_saved(org, member, setup):
    program, partnership, budget = setup
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_budget_create(
            org=org,
            actor=member,
            program=program,
            data={"name": "Bad", "amount": "-5", "period_start": TODAY, "period_end": TODAY},
        )
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _request(org, None, partnership, budget, "10000.01")
    assert exc.value.message_dict["amount_requested"] == [
        "10,000.01 EUR is more than what is left of the budget: 10,000.00 EUR."
    ]
    with pytest.raises(ValidationError) as exc:
        _request(
            org,
            None,
            partnership,
            budget,
            "100",
            start_date=budget.period_end + datetime.timedelta(1),
            end_date=budget.period_end + datetime.timedelta(2),
        )
    assert "start_date" in exc.value.message_dict
    other = PartnershipFactory(organization=org)
    with pytest.raises(ValidationError):
        _request(org, None, other, budget, "100")
    assert not MdfRequest.objects.for_org(org).exists()
    assert not MdfBudget.objects.for_org(org).filter(name="Bad").exists()


@pytest.mark.django_db
def test_only_configured_approvers_decide(org, member, setup):
    _program, partnership, budget = setup
    approver = MembershipFactory(organization=org, role=Role.MANAGER).user
    budget.approvers = [approver.pk]
    budget.save()
    request = _request(org, None, partnership, budget, "500")
    with pytest.raises(ValidationError):
        mdf.mdf_request_decide(org=org, actor=member, request=request, approve=True)
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_request_decide(org=org, actor=approver, request=request, approve=False, comment="")
    assert "comment" in exc.value.message_dict
    mdf.mdf_request_decide(org=org, actor=approver, request=request, approve=False, comment="Outside the plan")
    assert mdf_selectors.budget_remaining(org=org, budget=budget) == D(
        "10000"
    )  # a rejected request releases its amount


@pytest.mark.django_db
def test_allocation_per_partnership(org, member, setup):
    program, partnership, _budget = setup
    other = PartnershipFactory(organization=org, program=program)
    budget = mdf.mdf_budget_create(
        org=org,
        actor=member,
        program=program,
        data={
            "name": "Allocated",
            "amount": "5000",
            "period_start": TODAY,
            "period_end": TODAY,
            "allocation": "per_partnership",
            "allocations": {str(partnership.pk): "3000", str(other.pk): "2000"},
        },
    )
    _request(org, None, partnership, budget, "3000", start_date=TODAY, end_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        _request(org, None, partnership, budget, "1", start_date=TODAY, end_date=TODAY)
    assert "this partnership's allocation" in exc.value.message_dict["amount_requested"][0]
    _request(org, None, other, budget, "2000", start_date=TODAY, end_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        mdf.mdf_budget_create(
            org=org,
            actor=member,
            program=program,
            data={
                "name": "Over",
                "amount": "100",
                "period_start": TODAY,
                "period_end": TODAY,
                "allocations": {str(partnership.pk): "101"},
            },
        )
    assert "allocations" in exc.value.message_dict


@pytest.mark.django_db
def test_report_shows_unused_share_beside_the_reference_and_traces_campaigns(org, member, setup):
    _program, partnership, budget = setup
    request = _request(org, None, partnership, budget, "5000", campaign_code="CAMP-1")
    mdf.mdf_request_decide(org=org, actor=member, request=request, approve=True)
    claim = mdf.mdf_claim_submit(
        org=org, actor=None, request=request, amount_claimed="4000", results="", proofs=_proof()
    )
    mdf.mdf_claim_decide(org=org, actor=member, claim=claim, approve=True)
    mdf.mdf_reimburse(org=org, actor=member, claim=claim, amount="4000", payment_reference="P")
    OpportunityFactory(organization=org, campaign_code="CAMP-1", amount=D("20000"))
    OpportunityFactory(
        organization=org, campaign_code="CAMP-1", amount=D("7000"), status=Opportunity.Status.WON, closed_on=TODAY
    )
    report = mdf_report.mdf_report(org=org)
    row = report["programs"][0]
    assert (row["allocated"], row["reimbursed"], row["unused_percent"], row["reference_percent"]) == (
        D("10000"),
        D("4000"),
        D("60.0"),
        D("40"),
    )
    campaign = report["campaigns"][0]
    assert (campaign["leads"], campaign["pipeline"], campaign["revenue"]) == (2, D("20000"), D("7000"))
    assert "<div" in mdf_report.mdf_report_figure(report)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the rows migrations seeded
def test_concurrent_requests_never_overspend_the_budget(org):
    """Eight partners ask for 3,000 each at the same moment from a 10,000 budget: exactly three succeed."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")  # CI runs the suite on PostgreSQL
    program = ProgramFactory(organization=org)
    budget = MdfBudgetFactory(program=program, amount=D("10000"))
    partnerships = [PartnershipFactory(organization=org, program=program) for _ in range(8)]
    barrier = threading.Barrier(len(partnerships))
    outcomes = []

    def ask(partnership):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            _request(org, None, partnership, budget, "3000")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=ask, args=(p,)) for p in partnerships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 5
    assert mdf_selectors.budget_remaining(org=org, budget=budget) == D("1000")
