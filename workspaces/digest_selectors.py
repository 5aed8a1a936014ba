"""Reads on digests and next best actions: what each person may see, the attention list, rule statistics."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from pom.models import Membership, Organization, User
from workspaces.models import Digest, DigestMail, DigestMute, Suggestion, Workspace, WorkspaceMember
from workspaces.nba_rules import all_rules, explain
from workspaces.selectors import WorkspaceAccess, workspace_partnership_ids

VISIBLE = (Suggestion.Status.OPEN,)


def digests_for(*, access: WorkspaceAccess) -> QuerySet[Digest]:
    """The workspace's digests this person may read: every one for the vendor side, sent ones for partners."""
    qs = Digest.objects.for_org(access.workspace.organization_id).filter(workspace=access.workspace)
    if not access.is_vendor:
        qs = qs.filter(status=Digest.Status.SENT)
    return qs.select_related("approved_by", "edited_by").order_by("-created_at", "-id")


def digest_for(*, access: WorkspaceAccess, pk) -> Digest | None:
    return digests_for(access=access).filter(pk=pk).first()


def org_digests(*, org: Organization, status: str = "", kind: str = "") -> QuerySet[Digest]:
    """The organization's digests for the review queue, newest first, with their mail counts."""
    qs = (
        Digest.objects.for_org(org)
        .select_related("workspace")
        .annotate(
            mail_count=Count("mails"),
            sent_count=Count("mails", filter=Q(mails__status=DigestMail.Status.SENT)),
        )
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def digest_mails(*, digest: Digest) -> QuerySet[DigestMail]:
    return DigestMail.objects.for_org(digest.organization_id).filter(digest=digest).select_related("user")


def digest_recipients_preview(*, digest: Digest) -> list[dict]:
    """Who would receive the digest now, with their side: for "preview as" on the digest page."""
    from workspaces.digest_services import recipients

    workspace = digest.workspace
    rows = recipients(
        org=workspace.organization, workspaces=[workspace], kind=digest.kind, period_start=timezone.localdate()
    )
    return [{"user": user, "side": side} for user, side in rows.get(workspace.pk, [])]


def preview_user(*, digest: Digest, user_id) -> tuple[User, str] | None:
    """A recipient of the digest (a member of the workspace or the organization) to preview as."""
    if not str(user_id or "").isdigit():
        return None
    org_id = digest.organization_id
    member = (
        WorkspaceMember.objects.for_org(org_id).filter(workspace_id=digest.workspace_id, user_id=int(user_id)).first()
    )
    if Membership.objects.for_org(org_id).filter(user_id=int(user_id)).exists():
        return User.objects.get(pk=int(user_id)), "vendor"
    if member is not None:
        return member.user, member.side
    return None


def is_muted(*, workspace: Workspace, user: User) -> bool:
    return DigestMute.objects.for_org(workspace.organization_id).filter(workspace=workspace, user=user).exists()


def suggestions_for(*, access: WorkspaceAccess) -> QuerySet[Suggestion]:
    """Open suggestions about the workspace's partnerships; partner people see only those addressed to
    their side (partner or both)."""
    qs = Suggestion.objects.for_org(access.workspace.organization_id).filter(
        partnership_id__in=workspace_partnership_ids(workspace=access.workspace), status__in=VISIBLE
    )
    if not access.is_vendor:
        qs = qs.filter(side__in=["partner", "both"])
    return qs.order_by("-priority", "-created_at", "-id")


def attention_list(
    *, org: Organization, owner: User | None = None, rule: str = "", partner_id=None
) -> QuerySet[Suggestion]:
    """The ranked "needs attention" list: open suggestions, highest priority first; with `owner`, those on
    partnerships the person owns and those whose activity would be assigned to them."""
    qs = Suggestion.objects.for_org(org).filter(status=Suggestion.Status.OPEN)
    if owner is not None:
        qs = qs.filter(Q(partnership__owner=owner) | Q(assignee=owner))
    if rule:
        qs = qs.filter(rule=rule)
    if partner_id:
        qs = qs.filter(partnership__partner_id=partner_id)
    return qs.select_related("partnership__partner", "partnership__program", "partnership__owner").order_by(
        "-priority", "created_at", "id"
    )


def rule_stats(*, org: Organization, disabled: list[str]) -> list[dict]:
    """Per rule: how many suggestions it made, and the share accepted and dismissed among those decided.

    Acceptance rate = accepted ÷ (accepted + dismissed); dismissal rate = dismissed ÷ (accepted + dismissed).
    Open, snoozed and resolved suggestions are counted but not decided. One query."""
    counts = {
        row["rule"]: row
        for row in Suggestion.objects.for_org(org)
        .values("rule")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status__in=["open", "snoozed"])),
            accepted=Count("id", filter=Q(status="accepted")),
            dismissed=Count("id", filter=Q(status="dismissed")),
        )
    }
    out = []
    for fn in all_rules():
        row = counts.get(fn.code, {"total": 0, "open": 0, "accepted": 0, "dismissed": 0})
        decided = row["accepted"] + row["dismissed"]
        out.append(
            {
                "code": fn.code,
                "title": fn.title,
                "rationale": explain(fn),
                "enabled": fn.code not in disabled,
                "total": row["total"],
                "open": row["open"],
                "accepted": row["accepted"],
                "dismissed": row["dismissed"],
                "acceptance_rate": round(row["accepted"] * 100 / decided) if decided else None,
                "dismissal_rate": round(row["dismissed"] * 100 / decided) if decided else None,
            }
        )
    return out


def dismiss_reasons(*, org: Organization, rule: str, limit: int = 5) -> list[str]:
    return list(
        Suggestion.objects.for_org(org)
        .filter(rule=rule, status=Suggestion.Status.DISMISSED)
        .order_by("-decided_at")
        .values_list("dismiss_reason", flat=True)[:limit]
    )
