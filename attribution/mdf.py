"""Market development funds, the writes: budgets, requests, approvals, claims with proof, reimbursement,
compliance. Reads are `attribution.mdf_selectors`, the report `attribution.mdf_report`.

A budget can never be committed beyond its amount, even under concurrent requests:
1. every write that adds to what a budget holds first locks the budget row (`select_for_update` through
   the organization's queryset), so concurrent requests on one budget queue up behind each other;
2. with the lock held it sums what the budget already holds (one aggregate; under READ COMMITTED that
   statement sees every request committed before it) and refuses what would go over;
3. the request is written and the lock released at commit.
Proof files are checked by the caller (the workspace service runs `workspaces.filetypes.check_upload`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from attribution.mdf_selectors import ZERO, _held_by, budget_remaining, can_decide
from attribution.models import MdfBudget, MdfClaim, MdfEvent, MdfProof, MdfRequest
from partners.models import Partnership, Program
from pom import hooks
from pom.audit import Actor, actor_label, create_instance, update_fields
from pom.models import Membership, Organization, Role, User


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except Exception:  # noqa: BLE001 - any unparsable input is the same user error
        raise ValidationError({field: _("Give an amount such as 2500.00.")}) from None
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    return amount


def _event(org: Organization, request: MdfRequest, actor: Actor, kind: str, message: str) -> None:
    MdfEvent.objects.create(
        organization=org,
        request=request,
        at=timezone.now(),
        actor_label=actor_label(actor)[:200],
        kind=kind,
        message=message,
    )


# Budgets ----------------------------------------------------------------------------------------


def _clean_allocations(org: Organization, program: Program, allocations, amount: Decimal) -> dict:
    cleaned = {}
    ids = [int(k) for k in (allocations or {}) if str(k).isdigit()]
    known = set(Partnership.objects.for_org(org).filter(pk__in=ids, program=program).values_list("pk", flat=True))
    for key, value in (allocations or {}).items():
        if not str(key).isdigit() or int(key) not in known:
            raise ValidationError({"allocations": _("Partnership %(k)s is not in this program.") % {"k": key}})
        cleaned[str(int(key))] = str(_money(value, "allocations"))
    total = sum((Decimal(v) for v in cleaned.values()), ZERO)
    if total > amount:
        raise ValidationError(
            {
                "allocations": _("The allocations total %(t)s, more than the budget of %(a)s.")
                % {"t": f"{total:,.2f}", "a": f"{amount:,.2f}"}
            }
        )
    return cleaned


BUDGET_FIELDS = ("name", "period_start", "period_end", "amount", "currency", "allocation", "allocations", "approvers")


@transaction.atomic
def mdf_budget_create(*, org: Organization, actor: Actor, program: Program, data: dict) -> MdfBudget:
    """Create a program's budget for a period; negative amounts and over-allocation are refused. Audited."""
    if program.organization_id != org.id:
        raise ValidationError({"program": _("Unknown program.")})
    data = {k: v for k, v in data.items() if k in BUDGET_FIELDS}
    data["amount"] = _money(data.get("amount", "0"), "amount")
    data.setdefault("currency", program.currency)
    data["allocations"] = _clean_allocations(org, program, data.get("allocations"), data["amount"])
    data["approvers"] = _clean_approvers(org, data.get("approvers"))
    if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    return create_instance(org=org, actor=actor, instance=MdfBudget(organization=org, program=program, **data))


def _clean_approvers(org: Organization, approvers) -> list[int]:
    ids = [int(a) for a in (approvers or [])]
    members = set(
        Membership.objects.for_org(org)
        .filter(user_id__in=ids, role__in=[Role.OWNER, Role.ADMIN, Role.MANAGER])
        .values_list("user_id", flat=True)
    )
    missing = [i for i in ids if i not in members]
    if missing:
        raise ValidationError(
            {
                "approvers": _("Approvers must be managers of the organization (%(ids)s are not).")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    return ids


@transaction.atomic
def mdf_budget_update(*, org: Organization, actor: Actor, budget: MdfBudget, data: dict) -> MdfBudget:
    """Change a budget; it cannot shrink below what its requests already hold. Audited."""
    budget = MdfBudget.objects.for_org(org).select_for_update().get(pk=budget.pk)
    data = {k: v for k, v in data.items() if k in BUDGET_FIELDS}
    amount = _money(data["amount"], "amount") if "amount" in data else budget.amount
    if "amount" in data:
        data["amount"] = amount
        held = _held_by(org, budget)
        if amount < held:
            raise ValidationError(
                {
                    "amount": _("Requests already hold %(h)s of this budget; it cannot go below that.")
                    % {"h": f"{held:,.2f}"}
                }
            )
    if "allocations" in data:
        data["allocations"] = _clean_allocations(org, budget.program, data["allocations"], amount)
    if "approvers" in data:
        data["approvers"] = _clean_approvers(org, data["approvers"])
    return update_fields(org=org, actor=actor, instance=budget, data=data)


# Requests ---------------------------------------------------------------------------------------


def _campaign_code(org: Organization) -> str:
    while True:
        code = f"MDF-{timezone.localdate().year}-{get_random_string(5, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}"
        if not MdfRequest.objects.for_org(org).filter(campaign_code=code).exists():
            return code


@transaction.atomic
def mdf_request_submit(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    budget: MdfBudget,
    activity: str,
    start_date: datetime.date,
    end_date: datetime.date,
    amount_requested,
    description: str = "",
    expected_outcome: str = "",
    expected_leads: int = 0,
    campaign_code: str = "",
) -> MdfRequest:
    """File a request for funds; refused when it would take the budget (or the allocation) past its amount.

    Locks the budget row for the rest of the transaction (see the module docstring). Audited; emits
    "mdf.request_submitted".
    """
    if partnership.organization_id != org.id or budget.organization_id != org.id:
        raise ValidationError({"budget": _("Unknown budget.")})
    if budget.program_id != partnership.program_id:
        raise ValidationError({"budget": _("This budget belongs to another program.")})
    amount = _money(amount_requested, "amount_requested")
    if amount <= 0:
        raise ValidationError({"amount_requested": _("Request an amount above zero.")})
    if not (activity or "").strip():
        raise ValidationError({"activity": _("Say what the funds are for.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The activity ends before it starts.")})
    if start_date > budget.period_end or end_date < budget.period_start:
        raise ValidationError(
            {
                "start_date": _("The activity must take place in the budget's period (%(s)s – %(e)s).")
                % {"s": budget.period_start.isoformat(), "e": budget.period_end.isoformat()}
            }
        )
    code = (campaign_code or "").strip().upper() or _campaign_code(org)
    if MdfRequest.objects.for_org(org).filter(campaign_code=code).exists():
        raise ValidationError({"campaign_code": _("The campaign code %(c)s is already used.") % {"c": code}})
    budget = MdfBudget.objects.for_org(org).select_for_update().get(pk=budget.pk)  # step 1: the lock
    remaining = budget_remaining(org=org, budget=budget, partnership=partnership)  # step 2: what is left
    if amount > remaining:
        where = (
            _("this partnership's allocation")
            if budget.allocation == MdfBudget.Allocation.PER_PARTNERSHIP
            else _("the budget")
        )
        raise ValidationError(
            {
                "amount_requested": _("%(a)s %(c)s is more than what is left of %(where)s: %(r)s %(c)s.")
                % {"a": f"{amount:,.2f}", "c": budget.currency, "where": where, "r": f"{max(remaining, ZERO):,.2f}"}
            }
        )
    request = create_instance(
        org=org,
        actor=actor,
        instance=MdfRequest(
            organization=org,
            budget=budget,
            partnership=partnership,
            activity=activity.strip(),
            description=description,
            start_date=start_date,
            end_date=end_date,
            amount_requested=amount,
            expected_outcome=expected_outcome,
            expected_leads=expected_leads or 0,
            campaign_code=code,
            submitted_by=actor if isinstance(actor, User) else None,
        ),
    )
    _event(
        org,
        request,
        actor,
        "submitted",
        _("Requested %(a)s %(c)s for “%(act)s”.")
        % {"a": f"{amount:,.2f}", "c": budget.currency, "act": request.activity},
    )
    hooks.emit("mdf.request_submitted", org=org, actor=actor, request=request)
    return request


@transaction.atomic
def mdf_request_decide(
    *, org: Organization, actor: Actor, request: MdfRequest, approve: bool, amount_approved=None, comment: str = ""
) -> MdfRequest:
    """Approve (the amount asked, or less) or reject a submitted request, with a comment. Audited."""
    request = MdfRequest.objects.for_org(org).select_for_update().select_related("budget").get(pk=request.pk)
    if not can_decide(org=org, budget=request.budget, user=actor):
        raise ValidationError({"decided_by": _("Only the budget's approvers decide on its requests.")})
    if request.status != MdfRequest.Status.SUBMITTED:
        raise ValidationError({"status": _("This request was already decided.")})
    data = {"decided_by": actor, "decided_at": timezone.now(), "decision_comment": (comment or "").strip()}
    if approve:
        amount = (
            request.amount_requested if amount_approved in (None, "") else _money(amount_approved, "amount_approved")
        )
        if amount > request.amount_requested:
            raise ValidationError(
                {
                    "amount_approved": _("You can approve at most the %(a)s requested.")
                    % {"a": f"{request.amount_requested:,.2f}"}
                }
            )
        if amount <= 0:
            raise ValidationError({"amount_approved": _("Approve an amount above zero, or reject the request.")})
        data.update(status=MdfRequest.Status.APPROVED, amount_approved=amount)
        message = _("Approved %(a)s.") % {"a": f"{amount:,.2f}"}
    else:
        if not data["decision_comment"]:
            raise ValidationError({"comment": _("Say why the request is rejected.")})
        data.update(status=MdfRequest.Status.REJECTED)
        message = _("Rejected.")
    request = update_fields(org=org, actor=actor, instance=request, data=data)
    _event(org, request, actor, "decided", f"{message} {data['decision_comment']}".strip())
    hooks.emit("mdf.request_decided", org=org, actor=actor, request=request)
    return request


@transaction.atomic
def mdf_request_withdraw(*, org: Organization, actor: Actor, request: MdfRequest) -> MdfRequest:
    """The partner takes back a request not yet claimed: its amount goes back to the budget."""
    request = MdfRequest.objects.for_org(org).select_for_update().get(pk=request.pk)
    if request.status not in (MdfRequest.Status.SUBMITTED, MdfRequest.Status.APPROVED):
        raise ValidationError({"status": _("Only a request not yet claimed can be withdrawn.")})
    request = update_fields(org=org, actor=actor, instance=request, data={"status": MdfRequest.Status.WITHDRAWN})
    _event(org, request, actor, "withdrawn", _("Withdrawn; the funds go back to the budget."))
    return request


@transaction.atomic
def mdf_claim_submit(
    *,
    org: Organization,
    actor: Actor,
    request: MdfRequest,
    amount_claimed,
    results: str,
    leads_generated: int = 0,
    proofs: list[dict],
) -> MdfClaim:
    """Claim reimbursement of an approved request, with at least one proof-of-performance file.

    `proofs`: [{"name", "content_type", "file"}] already checked by the caller. The claim cannot be above
    the approved amount. Audited; emits "mdf.claim_submitted".
    """
    request = MdfRequest.objects.for_org(org).select_for_update().get(pk=request.pk)
    if request.status != MdfRequest.Status.APPROVED:
        raise ValidationError({"request": _("Only an approved request can be claimed.")})
    amount = _money(amount_claimed, "amount_claimed")
    if amount <= 0:
        raise ValidationError({"amount_claimed": _("Claim an amount above zero.")})
    if amount > request.amount_approved:
        raise ValidationError(
            {
                "amount_claimed": _("%(a)s is above the approved amount of %(b)s.")
                % {"a": f"{amount:,.2f}", "b": f"{request.amount_approved:,.2f}"}
            }
        )
    if not proofs:
        raise ValidationError({"proofs": _("Attach proof of performance (photos, invoices, lead lists…).")})
    claim = create_instance(
        org=org,
        actor=actor,
        instance=MdfClaim(
            organization=org,
            request=request,
            amount_claimed=amount,
            results=results or "",
            leads_generated=leads_generated or 0,
            submitted_by=actor if isinstance(actor, User) else None,
        ),
    )
    stored = []
    try:
        for proof in proofs:
            record = MdfProof(
                organization=org,
                claim=claim,
                original_name=proof["name"],
                content_type=proof["content_type"],
                size=proof["file"].size,
                uploaded_by=actor if isinstance(actor, User) else None,
            )
            record.file.save(proof["name"], proof["file"], save=False)
            stored.append(record.file.name)
            create_instance(org=org, actor=actor, instance=record)
        update_fields(org=org, actor=actor, instance=request, data={"status": MdfRequest.Status.CLAIMED})
    except Exception:
        for name in stored:  # the rows roll back; do not leave the bytes behind
            MdfProof._meta.get_field("file").storage.delete(name)
        raise
    _event(
        org,
        request,
        actor,
        "claimed",
        _("Claimed %(a)s with %(n)s proof file(s).") % {"a": f"{amount:,.2f}", "n": len(proofs)},
    )
    hooks.emit("mdf.claim_submitted", org=org, actor=actor, request=request)
    return claim


@transaction.atomic
def mdf_claim_decide(
    *, org: Organization, actor: Actor, claim: MdfClaim, approve: bool, amount_approved=None, comment: str = ""
) -> MdfClaim:
    """Approve a claim (at most what was claimed and approved) or reject it (the partner may claim again)."""
    claim = MdfClaim.objects.for_org(org).select_for_update().select_related("request__budget").get(pk=claim.pk)
    request = claim.request
    if not can_decide(org=org, budget=request.budget, user=actor):
        raise ValidationError({"decided_by": _("Only the budget's approvers decide on claims.")})
    if claim.status != MdfClaim.Status.SUBMITTED:
        raise ValidationError({"status": _("This claim was already decided.")})
    comment = (comment or "").strip()
    if approve:
        amount = claim.amount_claimed if amount_approved in (None, "") else _money(amount_approved, "amount_approved")
        ceiling = min(claim.amount_claimed, request.amount_approved)
        if amount > ceiling:
            raise ValidationError({"amount_approved": _("You can approve at most %(c)s.") % {"c": f"{ceiling:,.2f}"}})
        claim = update_fields(
            org=org,
            actor=actor,
            instance=claim,
            data={
                "status": MdfClaim.Status.APPROVED,
                "amount_approved": amount,
                "decided_by": actor,
                "decision_comment": comment,
            },
        )
        _event(org, request, actor, "claim_approved", f"{_('Claim approved:')} {amount:,.2f}. {comment}".strip())
    else:
        if not comment:
            raise ValidationError({"comment": _("Say what is missing from the claim.")})
        claim = update_fields(
            org=org,
            actor=actor,
            instance=claim,
            data={"status": MdfClaim.Status.REJECTED, "decided_by": actor, "decision_comment": comment},
        )
        _event(org, request, actor, "claim_rejected", f"{_('Claim rejected:')} {comment}")
    hooks.emit("mdf.claim_decided", org=org, actor=actor, request=request)
    return claim


@transaction.atomic
def mdf_reimburse(
    *,
    org: Organization,
    actor: Actor,
    claim: MdfClaim,
    amount,
    payment_reference: str,
    reimbursed_on: datetime.date | None = None,
) -> MdfClaim:
    """Record the payment of an approved claim; what was approved but not paid goes back to the budget."""
    claim = MdfClaim.objects.for_org(org).select_for_update().select_related("request").get(pk=claim.pk)
    if claim.status != MdfClaim.Status.APPROVED:
        raise ValidationError({"status": _("Only an approved claim can be reimbursed.")})
    amount = _money(amount, "amount")
    if amount > claim.amount_approved:
        raise ValidationError(
            {
                "amount": _("%(a)s is above the approved claim of %(b)s.")
                % {"a": f"{amount:,.2f}", "b": f"{claim.amount_approved:,.2f}"}
            }
        )
    reference = (payment_reference or "").strip()
    if not reference:
        raise ValidationError({"payment_reference": _("Give the payment reference.")})
    claim = update_fields(
        org=org,
        actor=actor,
        instance=claim,
        data={
            "status": MdfClaim.Status.PAID,
            "reimbursed_amount": amount,
            "payment_reference": reference,
            "reimbursed_on": reimbursed_on or timezone.localdate(),
        },
    )
    update_fields(org=org, actor=actor, instance=claim.request, data={"status": MdfRequest.Status.REIMBURSED})
    _event(
        org,
        claim.request,
        actor,
        "reimbursed",
        _("Reimbursed %(a)s (payment %(r)s).") % {"a": f"{amount:,.2f}", "r": reference},
    )
    hooks.emit("mdf.reimbursed", org=org, actor=actor, request=claim.request)
    return claim


@transaction.atomic
def mdf_compliance_check(*, org: Organization, actor: Actor, claim: MdfClaim, passed: bool, note: str = "") -> MdfClaim:
    """Record the compliance check of a reimbursed claim; a pass closes the request."""
    claim = MdfClaim.objects.for_org(org).select_for_update().get(pk=claim.pk)
    if claim.status != MdfClaim.Status.PAID:
        raise ValidationError({"compliance": _("Check compliance once the claim is reimbursed.")})
    if not passed and not (note or "").strip():
        raise ValidationError({"compliance_note": _("Say what failed the check.")})
    claim = update_fields(
        org=org,
        actor=actor,
        instance=claim,
        data={
            "compliance": MdfClaim.Compliance.PASSED if passed else MdfClaim.Compliance.FAILED,
            "compliance_note": (note or "").strip(),
        },
    )
    if passed:
        update_fields(org=org, actor=actor, instance=claim.request, data={"status": MdfRequest.Status.CLOSED})
    _event(
        org,
        claim.request,
        actor,
        "compliance",
        (_("Compliance check passed.") if passed else _("Compliance check failed: ") + note).strip(),
    )
    return claim
