"""Programs in motion inside a shared workspace: points and tiers, earnings, fund requests, joint solutions.

Partner people see and act only on the workspace's own partnerships; deal rooms (several partners around
one opportunity) have none of these pages, so one partner never sees another's points, statements,
requests or solutions. Every action goes through `WorkspaceAccess` and then the lower app's service.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from attribution import commissions, incentives, mdf, mdf_selectors, solutions
from attribution.models import JointSolution, MdfBudget, MdfProof, MdfRequest, SolutionStep
from partners import points, tiers
from partners.models import Partnership
from pom.audit import Actor
from workspaces.filetypes import CONTENT_TYPES, check_upload, extension
from workspaces.selectors import WorkspaceAccess, workspace_partnership_ids


def program_partnerships(*, access: WorkspaceAccess) -> list[Partnership]:
    """The workspace's partnerships; a deal room has none here (404), its partners must not see each other."""
    workspace = access.workspace
    if workspace.opportunity_id is not None:
        raise Http404(_("Deal rooms have no program pages"))
    ids = workspace_partnership_ids(workspace=workspace)
    return list(
        Partnership.objects.for_org(workspace.organization_id)
        .filter(pk__in=ids)
        .select_related("partner", "program", "tier")
        .prefetch_related("program__tiers")
    )


def _require_edit(access: WorkspaceAccess) -> None:
    if not access.can_edit:
        raise PermissionDenied(_("Viewers cannot do this."))


def _own(partnerships: list[Partnership], partnership_id) -> Partnership:
    for partnership in partnerships:
        if partnership.pk == partnership_id:
            return partnership
    raise ValidationError({"partnership": _("This partnership is not part of this workspace.")})


# Reads for the pages ----------------------------------------------------------------------------


def program_overview(*, access: WorkspaceAccess, partnerships: list[Partnership]) -> list[dict]:
    """Per partnership: points, what the next tier takes, an open tier proposal (queries per partnership,
    and a workspace holds one or two partnerships)."""
    org = access.workspace.organization
    moves = {
        m.partnership_id: m
        for m in tiers.tier_move_list(org=org, status="proposed", partnership_ids=[p.pk for p in partnerships])
    }
    cards = []
    for partnership in partnerships:
        cards.append(
            {
                "partnership": partnership,
                "progress": tiers.next_tier_progress(org=org, partnership=partnership),
                "move": moves.get(partnership.pk),
                "expiring": points.points_expiring(org=org, partnership=partnership),
                "rules": list(points.point_rule_list(org=org, program=partnership.program).filter(is_active=True)),
            }
        )
    return cards


def proof_for(*, access: WorkspaceAccess, public_id) -> MdfProof | None:
    """A proof file of a claim of this workspace's partnerships, or None."""
    ids = workspace_partnership_ids(workspace=access.workspace)
    return (
        MdfProof.objects.for_org(access.workspace.organization_id)
        .filter(public_id=public_id, claim__request__partnership_id__in=ids)
        .first()
    )


def open_budgets(*, access: WorkspaceAccess, partnerships: list[Partnership]) -> list[MdfBudget]:
    """Budgets of the workspace's programs whose period has not ended, with what is left for each partnership."""
    from django.utils import timezone

    org = access.workspace.organization
    budgets = list(
        mdf_selectors.mdf_budget_list(org=org)
        .filter(program_id__in={p.program_id for p in partnerships}, period_end__gte=timezone.localdate())
        .order_by("period_start")
    )
    for budget in budgets:
        mine = next((p for p in partnerships if p.program_id == budget.program_id), None)
        budget.remaining = mdf_selectors.budget_remaining(org=org, budget=budget, partnership=mine)
    return budgets


# Writes -----------------------------------------------------------------------------------------


def fund_request_file(*, access: WorkspaceAccess, actor: Actor, partnerships: list[Partnership], data: dict):
    """A partner (or a vendor member) files a fund request for one of the workspace's partnerships."""
    _require_edit(access)
    partnership = _own(partnerships, data.pop("partnership"))
    org = access.workspace.organization
    budget = (
        mdf_selectors.mdf_budget_list(org=org).filter(pk=data.pop("budget"), program_id=partnership.program_id).first()
    )
    if budget is None:
        raise ValidationError({"budget": _("Choose a budget of this partnership's program.")})
    return mdf.mdf_request_submit(org=org, actor=actor, partnership=partnership, budget=budget, **data)


def _request_of(access: WorkspaceAccess, pk: int) -> MdfRequest:
    request = (
        mdf_selectors.mdf_request_list(
            org=access.workspace.organization, partnership_ids=workspace_partnership_ids(workspace=access.workspace)
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404(_("No such request"))
    return request


def fund_request_withdraw(*, access: WorkspaceAccess, actor: Actor, pk: int) -> MdfRequest:
    _require_edit(access)
    return mdf.mdf_request_withdraw(org=access.workspace.organization, actor=actor, request=_request_of(access, pk))


def fund_claim_file(*, access: WorkspaceAccess, actor: Actor, pk: int, data: dict, files) -> MdfRequest:
    """Claim reimbursement with proof files, each checked like any workspace file (type and content)."""
    _require_edit(access)
    request = _request_of(access, pk)
    proofs = []
    for uploaded in files:
        name = uploaded.name.replace("\\", "/").split("/")[-1][:255] or "proof"
        reason = check_upload(name, uploaded.size, uploaded)
        if reason:
            raise ValidationError({"proofs": reason})
        proofs.append({"name": name, "content_type": CONTENT_TYPES[extension(name)], "file": uploaded})
    mdf.mdf_claim_submit(org=access.workspace.organization, actor=actor, request=request, proofs=proofs, **data)
    return request


def _solution_ids(access: WorkspaceAccess) -> set[int]:
    org = access.workspace.organization
    ids = workspace_partnership_ids(workspace=access.workspace)
    return set(solutions.solution_list(org=org, partnership_ids=ids).values_list("pk", flat=True))


def idea_submit(*, access: WorkspaceAccess, actor: Actor, partnerships: list[Partnership], data: dict):
    """An idea for a joint solution from this workspace: the partner's (or the vendor's) side is its source."""
    _require_edit(access)
    source = JointSolution.Source.FIELD if access.is_vendor else JointSolution.Source.PARTNER
    return solutions.solution_idea_submit(
        org=access.workspace.organization, actor=actor, source=source, partnerships=partnerships, **data
    )


def step_act(*, access: WorkspaceAccess, actor: Actor, pk: int, action: str, note: str = "") -> SolutionStep:
    """Mark a step done or approve it, for the side this person is on in the workspace."""
    _require_edit(access)
    org = access.workspace.organization
    step = SolutionStep.objects.for_org(org).filter(pk=pk, solution_id__in=_solution_ids(access)).first()
    if step is None:
        raise Http404(_("No such step"))
    side = "vendor" if access.is_vendor else "partner"
    if action == "complete":
        return solutions.solution_step_complete(org=org, actor=actor, step=step, side=side, note=note)
    if action == "approve":
        return solutions.solution_step_approve(org=org, actor=actor, step=step, side=side, note=note)
    raise Http404(_("No such action"))


def earnings(*, access: WorkspaceAccess, partnerships: list[Partnership]) -> dict:
    """What the partnership will be paid and when: totals per currency, statements, the latest lines."""
    org = access.workspace.organization
    ids = [p.pk for p in partnerships]
    return {
        "summary": incentives.earnings_summary(org=org, partnership_ids=ids),
        "statements": list(incentives.statement_list(org=org, partnership_ids=ids)[:24]),
        "how": commissions.how_computed(),
    }
