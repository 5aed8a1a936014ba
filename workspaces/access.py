"""Contract with lower apps (through `pom.hooks.partnership_guest_user_ids`): who on the partner side
may be given work on a partnership."""

from __future__ import annotations

from workspaces.models import Side, WorkspaceMember


def partnership_guest_user_ids(*, org, partnership) -> set[int]:
    """Ids of partner-side members of the partnership's workspaces (people without an org membership)."""
    return set(
        WorkspaceMember.objects.for_org(org)
        .filter(side=Side.PARTNER, workspace__partnership_links__partnership=partnership)
        .values_list("user_id", flat=True)
    )
