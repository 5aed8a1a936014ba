"""QBR pack, scheduled report and Partner Wrapped demo (issue 12, called from `reports.demo.seed` after
the scores and benchmarks): a pack for this quarter of the first partnership shared in a workspace, a
monthly subscription to it for the manager, and last year's Wrapped for every partnership with a
thank-you line from each side where someone is there to write it."""

from __future__ import annotations

from django.utils import timezone

from partners.models import Partnership
from pom.models import Role
from reports import packs, schedules, wrapped
from workspaces.models import Side, WorkspaceMember, WorkspacePartnership


def seed(ctx) -> None:
    org = ctx.org
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    shared = (
        WorkspacePartnership.objects.for_org(org)
        .select_related("partnership__partner", "partnership__program", "partnership__tier", "workspace")
        .order_by("workspace__is_default", "id")
        .first()
    )
    partnerships = list(Partnership.objects.for_org(org).select_related("partner", "program").order_by("id"))
    if shared is None and not partnerships:
        return
    partnership = shared.partnership if shared else partnerships[0]
    start, end, label = packs.quarter_of(timezone.localdate())
    packs.pack_generate(
        org=org, actor=manager, partnership=partnership, period_start=start, period_end=end, label=label
    )
    schedules.subscription_create(
        org=org, actor=manager, kind="qbr_pack", params={"partnership": partnership.pk}, frequency="monthly",
        recipients=[manager],
    )  # fmt: skip
    year = timezone.localdate().year - 1
    for p in partnerships:
        wrapped.wrapped_generate(org=org, actor=None, partnership=p, year=year)
    wrapped.thank_you_set(
        org=org, actor=manager, partnership=partnership, year=year, side=Side.VENDOR,
        text="Thank you for a year of joint wins. Here is to the next one!",
    )  # fmt: skip
    if shared is not None:
        guest = (
            WorkspaceMember.objects.for_org(org)
            .filter(workspace=shared.workspace, side=Side.PARTNER)
            .select_related("user")
            .first()
        )
        if guest is not None:
            wrapped.thank_you_set(
                org=org, actor=guest.user, partnership=partnership, year=year, side=Side.PARTNER,
                text="Thanks to the partner team: the co-sell calls made our quarter.",
            )  # fmt: skip
    ctx.data["qbr_partnership"] = partnership.pk
