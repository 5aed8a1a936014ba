"""Who may see a partnership's QBR packs and Wrapped: one place for pages, kinds and the API.

Vendor people: any member of the organization (viewer and up). Partner people: partner-side members of a
workspace the partnership is linked to, and only for that partnership.
"""

from __future__ import annotations

from partners.models import Partnership
from pom.models import Membership, Organization
from workspaces.models import Side, WorkspaceMember, WorkspacePartnership


def is_member(*, org: Organization, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        Membership.objects.for_org(org).filter(user=user).exists()
    )


def partnership_visible(*, org: Organization, user, partnership_id) -> bool:
    """May this person see this partnership's packs and Wrapped now?"""
    if not isinstance(partnership_id, int) or not getattr(user, "is_authenticated", False):
        return False
    if not Partnership.objects.for_org(org).filter(pk=partnership_id).exists():
        return False
    if is_member(org=org, user=user):
        return True
    workspaces = WorkspacePartnership.objects.for_org(org).filter(partnership_id=partnership_id)
    return (
        WorkspaceMember.objects.for_org(org)
        .filter(user=user, side=Side.PARTNER, workspace_id__in=workspaces.values("workspace_id"))
        .exists()
    )


def workspace_partnerships(*, workspace):
    """The partnerships a workspace shares (what its partner people may see packs and Wrapped of)."""
    return (
        Partnership.objects.for_org(workspace.organization)
        .filter(workspace_links__workspace=workspace)
        .select_related("partner", "program")
        .order_by("partner__name", "program__name")
    )
