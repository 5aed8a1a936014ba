"""Reads on workspaces, and the one access function every page and endpoint goes through.

`workspace_access(user=, workspace=)` decides who sees what: vendor users through their organization
role (owner/admin -> owner, manager -> editor, viewer -> viewer; an explicit vendor-side member row may
raise that), partner people only through a partner-side `WorkspaceMember` row. `None` means no access
(pages and endpoints answer 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from attribution.models import Opportunity, OpportunityPartner, RegistrationEvent
from plans.selectors import attention_items, plans_for_partnerships
from pom import rls
from pom.api.auth import ApiKeyPrincipal
from pom.models import ApiKey, ApiKeyScope, Membership, Organization, Role, User
from workspaces.models import (
    WORKSPACE_ROLE_RANK,
    Comment,
    Notification,
    NotificationPreference,
    Side,
    Update,
    Workspace,
    WorkspaceFile,
    WorkspaceInvitation,
    WorkspaceMember,
    WorkspacePartnership,
    WorkspaceRole,
    workspace_role_at_least,
)

ORG_ROLE_TO_WORKSPACE_ROLE = {
    Role.OWNER: WorkspaceRole.OWNER,
    Role.ADMIN: WorkspaceRole.OWNER,
    Role.MANAGER: WorkspaceRole.EDITOR,
    Role.VIEWER: WorkspaceRole.VIEWER,
}


@dataclass(frozen=True)
class WorkspaceAccess:
    """What one person may do in one workspace: a role, a side, and where it comes from."""

    workspace: Workspace
    role: str
    side: str
    via: str  # "org" (organization role), "member" (explicit row), "share" (view-only link), "api_key"
    member: WorkspaceMember | None = None

    @property
    def is_vendor(self) -> bool:
        return self.side == Side.VENDOR

    @property
    def can_edit(self) -> bool:
        return self.via != "share" and workspace_role_at_least(self.role, WorkspaceRole.EDITOR)

    @property
    def can_manage(self) -> bool:
        return self.via != "share" and workspace_role_at_least(self.role, WorkspaceRole.OWNER)

    @property
    def sees_internal(self) -> bool:
        return self.is_vendor and self.via != "share"

    def can_edit_side(self, owner_side: str) -> bool:
        """A partner editor edits only what the partner side owns; the vendor side edits everything."""
        if not self.can_edit:
            return False
        return self.is_vendor or owner_side in ("partner", "both")


def workspace_access(*, user, workspace: Workspace) -> WorkspaceAccess | None:
    """The access `user` (a User, an API key principal or an ApiKey) has to `workspace`, or None."""
    if user is None:
        return None
    if isinstance(user, ApiKeyPrincipal):
        user = user.key
    if isinstance(user, ApiKey):
        if user.organization_id != workspace.organization_id or user.revoked_at is not None:
            return None
        # A write key is how integrators provision partner access, so it manages members.
        role = WorkspaceRole.OWNER if user.scope == ApiKeyScope.WRITE else WorkspaceRole.VIEWER
        rls.add_orgs([workspace.organization_id])
        return WorkspaceAccess(workspace=workspace, role=role, side=Side.VENDOR, via="api_key")
    if not getattr(user, "is_authenticated", False):
        return None
    rls.set_user(user.pk)  # their own memberships and workspace memberships are visible
    org_role = (
        Membership.objects.for_org(workspace.organization_id).filter(user=user).values_list("role", flat=True).first()
    )
    member = WorkspaceMember.objects.for_org(workspace.organization_id).filter(workspace=workspace, user=user).first()
    if org_role is not None:
        role = ORG_ROLE_TO_WORKSPACE_ROLE[org_role]
        via = "org"
        if member is not None and WORKSPACE_ROLE_RANK[member.role] > WORKSPACE_ROLE_RANK[role]:
            role, via = member.role, "member"
        rls.add_orgs([workspace.organization_id])
        return WorkspaceAccess(workspace=workspace, role=role, side=Side.VENDOR, via=via, member=member)
    # Without an organization membership only a partner-side row counts: a vendor-side row left behind
    # after someone left the organization must not keep the door open.
    if member is None or member.side != Side.PARTNER:
        return None
    rls.add_orgs([workspace.organization_id])  # a partner person sees this workspace's organization
    return WorkspaceAccess(workspace=workspace, role=member.role, side=Side.PARTNER, via="member", member=member)


def workspace_by_public_id(*, public_id) -> Workspace | None:
    """The workspace with this URL identifier in any organization; access is decided separately."""
    with rls.all_organizations("a workspace URL names it by public id; workspace_access decides"):
        return Workspace.objects.select_related("organization").filter(public_id=public_id).first()


def workspace_by_share_token(*, token_hash: str) -> Workspace | None:
    """The workspace whose view-only link has this hash, only while the link is enabled."""
    with rls.all_organizations("a view-only link is found by its token's hash"):
        workspace = (
            Workspace.objects.select_related("organization")
            .filter(share_token_hash=token_hash, share_enabled=True)
            .first()
        )
    return rls.admit(workspace)  # the link reads this workspace's organization only


def workspaces_for_user(*, user: User) -> QuerySet[Workspace]:
    """Workspaces a person belongs to as a partner-side member, across vendors (the partner home).

    Opens the row-level security scope to exactly those workspaces' organizations."""
    rls.add_partner_workspace_orgs(user.pk)
    return (
        Workspace.objects.filter(members__user=user, members__side=Side.PARTNER)
        .exclude(organization__memberships__user=user)
        .select_related("organization")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("-last_activity_at")
        .distinct()
    )


def workspace_list(*, org: Organization, q: str = "", partner_id=None, has_partner_members=None) -> QuerySet[Workspace]:
    """The organization's workspaces with member counts, newest activity first, filtered."""
    qs = Workspace.objects.for_org(org).annotate(
        member_count=Count("members", distinct=True),
        partner_member_count=Count("members", filter=Q(members__side=Side.PARTNER), distinct=True),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(partnerships__partner__name__icontains=q)).distinct()
    if partner_id:
        qs = qs.filter(partnerships__partner_id=partner_id).distinct()
    if has_partner_members is True:
        qs = qs.filter(partner_member_count__gt=0)
    elif has_partner_members is False:
        qs = qs.filter(partner_member_count=0)
    return (
        qs.select_related("organization")
        .prefetch_related("partnerships__partner", "partnerships__program")
        .order_by("-last_activity_at", "name")
    )


def workspace_partnership_ids(*, workspace: Workspace) -> list[int]:
    return list(workspace.partnership_links.values_list("partnership_id", flat=True))


def workspace_for_partnership(*, org: Organization, partnership) -> Workspace | None:
    return Workspace.objects.for_org(org).filter(partnership_links__partnership=partnership, is_default=True).first()


def workspaces_for_partnership(*, org, partnership) -> QuerySet[Workspace]:
    return Workspace.objects.for_org(org).filter(partnership_links__partnership=partnership)


def member_list(*, workspace: Workspace) -> QuerySet[WorkspaceMember]:
    return (
        WorkspaceMember.objects.for_org(workspace.organization_id)
        .filter(workspace=workspace)
        .select_related("user")
        .order_by("side", "user__name", "user__email")
    )


def vendor_users_with_org_access(*, workspace: Workspace) -> QuerySet[Membership]:
    """The organization's members: they reach the workspace through their role."""
    return (
        Membership.objects.for_org(workspace.organization_id)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def invitation_list(*, workspace: Workspace) -> QuerySet[WorkspaceInvitation]:
    return (
        WorkspaceInvitation.objects.for_org(workspace.organization_id)
        .filter(workspace=workspace)
        .select_related("invited_by", "accepted_by")
        .order_by("-created_at")
    )


def invitation_by_token_hash(*, token_hash: str) -> WorkspaceInvitation | None:
    """The invitation with this token hash in any organization: the token decides the tenant."""
    with rls.all_organizations("a workspace invitation is found by its token's hash"):
        invitation = (
            WorkspaceInvitation.objects.select_related("workspace", "organization", "invited_by")
            .filter(token_hash=token_hash)
            .first()
        )
    return rls.admit(invitation)


def mentionable_users(*, workspace: Workspace, vendor_only: bool = False) -> list[User]:
    """Everyone who can read the workspace's comments: organization members and explicit members.

    With `vendor_only` (internal notes), only people on the vendor side.
    """
    org_members = Q(memberships__organization_id=workspace.organization_id)
    partner_members = Q(
        workspace_memberships__workspace=workspace,
        workspace_memberships__side=Side.PARTNER,
    )
    condition = org_members if vendor_only else org_members | partner_members
    return list(User.objects.filter(condition, is_active=True).distinct().order_by("name", "email"))


def feed(*, workspace: Workspace, include_internal: bool) -> QuerySet[Update]:
    """The workspace feed, newest first; internal lines only for the vendor side."""
    qs = (
        Update.objects.for_org(workspace.organization_id)
        .filter(workspace=workspace)
        .select_related("actor", "comment")
        .prefetch_related(Prefetch("comment__mentions", queryset=User.objects.only("id", "name", "email")))
    )
    if not include_internal:
        qs = qs.filter(internal=False)
    return qs.order_by("-created_at", "-id")


def comment_list(*, workspace: Workspace, include_internal: bool) -> QuerySet[Comment]:
    qs = (
        Comment.objects.for_org(workspace.organization_id)
        .filter(workspace=workspace)
        .select_related("author")
        .prefetch_related("mentions")
    )
    if not include_internal:
        qs = qs.filter(internal=False)
    return qs.order_by("-created_at", "-id")


def file_list(*, workspace: Workspace) -> QuerySet[WorkspaceFile]:
    return (
        WorkspaceFile.objects.for_org(workspace.organization_id)
        .filter(workspace=workspace)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def file_by_public_id(*, workspace: Workspace, public_id) -> WorkspaceFile | None:
    return file_list(workspace=workspace).filter(public_id=public_id).first()


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """One person's notifications across vendors, newest first (opens the scope to their organizations)."""
    rls.add_user_rows_orgs("workspaces_notification", user.pk)
    qs = Notification.objects.filter(user=user).select_related("workspace", "organization")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mode(*, user: User) -> str:
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref.mode if pref else NotificationPreference.Mode.IMMEDIATE


def users_due_daily_digest() -> QuerySet[User]:
    """People on the daily summary who have unread notifications not yet e-mailed."""
    pending = Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True, emailed_at__isnull=True)
    daily = NotificationPreference.objects.filter(user=OuterRef("pk"), mode=NotificationPreference.Mode.DAILY)
    return User.objects.filter(Exists(pending), Exists(daily), is_active=True).order_by("pk")


def workspace_recipients(*, workspace: Workspace, include_partner: bool = True, exclude_user=None) -> list[User]:
    """Who hears about automatic updates: explicit members, plus the partnership owners on the vendor side."""
    users = {}
    for m in member_list(workspace=workspace):
        if m.side == Side.PARTNER and not include_partner:
            continue
        users[m.user_id] = m.user
    owner_ids = workspace.partnerships.exclude(owner__isnull=True).values_list("owner_id", flat=True)
    for u in User.objects.filter(pk__in=list(owner_ids), memberships__organization_id=workspace.organization_id):
        users[u.pk] = u
    if exclude_user is not None:
        users.pop(getattr(exclude_user, "pk", None), None)
    return [u for u in users.values() if u.is_active]


def workspace_plans(*, workspace: Workspace):
    """The plans of the workspace's partnerships (plans app), newest period first."""
    ids = workspace_partnership_ids(workspace=workspace)
    return plans_for_partnerships(org=workspace.organization, partnership_ids=ids)


def workspace_waiting_summary(*, workspace: Workspace) -> dict:
    """What waits for someone joining: plan names and how much is overdue or due for a check-in."""
    ids = workspace_partnership_ids(workspace=workspace)
    plans = list(workspace_plans(workspace=workspace).values_list("name", flat=True)[:5])
    items = attention_items(org=workspace.organization, partnership_ids=ids)
    return {
        "plans": plans,
        "overdue_activities": len(items.get("overdue_activities", [])),
        "checkins_due": len(items.get("checkins_due", [])),
    }


def attention_for_user(*, user: User, workspaces: list[Workspace]) -> dict[int, dict]:
    """What needs this person's attention, per workspace id: their overdue activities and key results
    due for a check-in (plans.selectors.attention_items, one call per vendor, not per workspace)."""
    by_org: dict[int, list[Workspace]] = {}
    for workspace in workspaces:
        by_org.setdefault(workspace.organization_id, []).append(workspace)
    links = WorkspacePartnership.objects.filter(
        organization__in=list(by_org), workspace__in=[w.pk for w in workspaces]
    ).values_list("workspace_id", "partnership_id", "organization_id")
    partnership_workspaces: dict[int, list[int]] = {}
    org_partnerships: dict[int, set[int]] = {}
    for workspace_id, partnership_id, organization_id in links:
        partnership_workspaces.setdefault(partnership_id, []).append(workspace_id)
        org_partnerships.setdefault(organization_id, set()).add(partnership_id)
    result = {w.pk: {"overdue_activities": [], "checkins_due": []} for w in workspaces}
    for organization_id, group in by_org.items():
        ids = sorted(org_partnerships.get(organization_id, ()))
        if not ids:
            continue
        items = attention_items(org=group[0].organization, partnership_ids=ids, user=user)
        for key in ("overdue_activities", "checkins_due"):
            for item in items.get(key, []):
                for workspace_id in partnership_workspaces.get(item.plan.partnership_id, []):
                    result[workspace_id][key].append(item)
    return result


def registration_trails(*, org: Organization, registrations, partner_view: bool) -> dict[int, list]:
    """The trail of each registration on a page, in one query; the partner's view hides internal steps."""
    qs = RegistrationEvent.objects.for_org(org).filter(registration__in=[r.pk for r in registrations])
    if partner_view:
        qs = qs.filter(visible_to_partner=True)
    trails: dict[int, list] = {r.pk: [] for r in registrations}
    for event in qs.order_by("at", "id"):
        trails[event.registration_id].append(event)
    return trails


def no_rows(*, model) -> QuerySet:
    """An empty queryset of `model` (what API schema generation inspects on views that read via selectors)."""
    return model.objects.none()


def open_opportunity(*, org: Organization, pk) -> Opportunity | None:
    """The organization's open opportunity with this id (from a query string), or None."""
    if not str(pk or "").isdigit():
        return None
    return Opportunity.objects.for_org(org).filter(pk=int(pk), status=Opportunity.Status.OPEN).first()


def opportunity_partnership_ids(*, org: Organization, opportunity: Opportunity) -> list[int]:
    """Ids of the partnerships involved in an opportunity, to preselect in a deal room."""
    return list(
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity=opportunity)
        .values_list("partnership_id", flat=True)
        .distinct()
    )
