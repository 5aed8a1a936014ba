"""Joint solutions: idea, vetting, the template lifecycle with approvals from both sides, the split rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attribution import solutions
from attribution.models import JointSolution, SolutionStep, SplitRule
from attribution.selectors import split_rule_versions_current
from tests.factories import OpportunityFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def solution(org, member):
    isv = PartnershipFactory(organization=org)
    idea = solutions.solution_idea_submit(
        org=org,
        actor=None,
        title="Invoice autopilot",
        problem="Finance teams re-key invoices.",
        source=JointSolution.Source.PARTNER,
        partnerships=[isv],
    )
    return solutions.solution_vet(org=org, actor=member, solution=idea, accept=True)


def _steps(org, solution):
    return list(SolutionStep.objects.for_org(org).filter(solution=solution).order_by("order"))


def test_vetting_copies_the_template_steps(org, member, solution):
    steps = _steps(org, solution)
    assert [s.phase for s in steps] == ["build", "approve", "certify", "publish", "launch", "joint_sell"]
    assert solution.status == "active" and solution.owner == member
    with pytest.raises(ValidationError):
        solutions.solution_vet(org=org, actor=member, solution=solution, accept=True)


def test_declining_an_idea_needs_a_note(org, member):
    idea = solutions.solution_idea_submit(org=org, actor=member, title="Maybe", problem="Unclear")
    with pytest.raises(ValidationError) as exc:
        solutions.solution_vet(org=org, actor=member, solution=idea, accept=False)
    assert "note" in exc.value.message_dict
    idea = solutions.solution_vet(org=org, actor=member, solution=idea, accept=False, note="No customer demand")
    assert idea.status == "rejected"


def test_steps_need_both_sides_and_run_in_order(org, member, solution, outsider):
    build, approve, certify, publish, launch, _sell = _steps(org, solution)
    with pytest.raises(ValidationError) as exc:
        solutions.solution_step_complete(org=org, actor=member, step=approve, side="vendor")
    assert "comes first" in str(exc.value)
    build = solutions.solution_step_complete(org=org, actor=member, step=build, side="vendor")
    assert build.status == "open" and build.marked_done_at  # waits for the approvals
    build = solutions.solution_step_approve(org=org, actor=member, step=build, side="vendor")
    assert build.status == "open"
    with pytest.raises(ValidationError):
        solutions.solution_step_approve(org=org, actor=member, step=build, side="vendor")  # once per side
    build = solutions.solution_step_approve(org=org, actor=outsider, step=build, side="partner")
    assert build.status == "done" and build.partner_approved_by == outsider
    # The partner cannot mark a vendor-owned step done.
    with pytest.raises(ValidationError) as exc:
        solutions.solution_step_complete(org=org, actor=outsider, step=approve, side="partner")
    assert "vendor side owns" in str(exc.value)
    for step in (approve, certify):
        solutions.solution_step_complete(org=org, actor=member, step=step, side="vendor")
        solutions.solution_step_approve(org=org, actor=member, step=step, side="vendor")
        if step.partner_approval:
            solutions.solution_step_approve(org=org, actor=outsider, step=step, side="partner")
    solution.refresh_from_db()
    assert solution.certification == "certified" and solution.badge
    solutions.solution_step_complete(org=org, actor=outsider, step=publish, side="partner")
    solutions.solution_step_approve(org=org, actor=member, step=publish, side="vendor")
    solutions.solution_step_approve(org=org, actor=outsider, step=publish, side="partner")
    solutions.solution_step_complete(org=org, actor=member, step=launch, side="vendor")
    solutions.solution_step_approve(org=org, actor=member, step=launch, side="vendor")
    solutions.solution_step_approve(org=org, actor=outsider, step=launch, side="partner")
    solution.refresh_from_db()
    assert solution.status == "launched" and solution.listed_on == datetime.date.today()


def test_split_lives_in_the_rule_library_and_credits_deals_on_the_solution(org, member, solution):
    isv = solution.partner_links.get().partnership
    si = PartnershipFactory(organization=org)
    solutions.solution_split_set(
        org=org,
        actor=member,
        solution=solution,
        shares=[
            {"partnership_id": isv.pk, "percent": "60", "role": "ISV"},
            {"partnership_id": si.pk, "percent": "30", "role": "SI"},
        ],
    )
    solution.refresh_from_db()
    rule = SplitRule.objects.for_org(org).get(pk=solution.split_rule_id)
    assert (rule.match_on, rule.match_value, rule.current_version) == ("joint_solution", "Invoice autopilot", 1)
    version = split_rule_versions_current(org=org).get(rule=rule)
    assert version.total_percent == Decimal("90.00")
    solutions.solution_split_set(
        org=org,
        actor=member,
        solution=solution,
        shares=[{"partnership_id": isv.pk, "percent": "50"}, {"partnership_id": si.pk, "percent": "50"}],
    )
    rule.refresh_from_db()
    assert rule.current_version == 2
    assert {link.partnership_id: link.share_percent for link in solution.partner_links.all()} == {
        isv.pk: Decimal("50.00"),
        si.pk: Decimal("50.00"),
    }
    with pytest.raises(ValidationError):
        solutions.solution_split_set(
            org=org,
            actor=member,
            solution=solution,
            shares=[{"partnership_id": isv.pk, "percent": "80"}, {"partnership_id": si.pk, "percent": "30"}],
        )
    # The engine credits a deal naming the solution with the rule.
    from attribution import runs

    deal = OpportunityFactory(organization=org, joint_solution="invoice AUTOPILOT", amount=Decimal("1000"))
    run = runs.attribution_recompute_request(org=org, actor=member)
    runs.attribution_run_execute(org=org, run=run)
    from attribution.models import CreditAllocation

    credit = {
        c.partnership_id: c.amount
        for c in CreditAllocation.objects.for_org(org).filter(opportunity=deal, model="rule_split")
    }
    assert credit == {isv.pk: Decimal("500.00"), si.pk: Decimal("500.00")}
    assert list(solutions.solution_deals(org=org, solution=solution)) == [deal]


def test_retention_effect_is_a_plain_difference(org):
    effect = solutions.retention_effect(users_retained=3, users=4, others_retained=1, others=4)
    assert (effect["with"], effect["without"], effect["delta"]) == (Decimal("75.0"), Decimal("25.0"), Decimal("50.0"))
    assert solutions.retention_effect(users_retained=0, users=0, others_retained=1, others=2)["delta"] is None


def test_a_long_solution_title_keeps_its_whole_rule_version_in_the_ledger(org, member):
    """The ledger names the split rule and version that credited a deal: a 120-character title fits."""
    from attribution import runs
    from attribution.models import CreditAllocation

    title = "Automated invoice reconciliation for multi-entity finance teams on the Nimbus data platform " * 2
    title = title[:120]
    isv = PartnershipFactory(organization=org)
    idea = solutions.solution_idea_submit(
        org=org, actor=None, title=title, problem="Re-keying.", source=JointSolution.Source.PARTNER, partnerships=[isv]
    )
    solution = solutions.solution_vet(org=org, actor=member, solution=idea, accept=True)
    solutions.solution_split_set(
        org=org, actor=member, solution=solution, shares=[{"partnership_id": isv.pk, "percent": "100"}]
    )
    rule = SplitRule.objects.for_org(org).get(pk=JointSolution.objects.get(pk=solution.pk).split_rule_id)
    assert len(rule.name) == 120 and rule.name.endswith(f"(JS{solution.pk})")
    deal = OpportunityFactory(organization=org, joint_solution=title, amount=Decimal("1000"))
    runs.attribution_run_execute(org=org, run=runs.attribution_recompute_request(org=org, actor=member))
    credit = CreditAllocation.objects.for_org(org).get(opportunity=deal, model="rule_split", partnership=isv)
    assert credit.rule_version == f"{rule.name} v1"
    assert credit.amount == Decimal("1000.00")
