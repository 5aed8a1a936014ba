"""Demo TACAM scores: months of score history (monthly, then weekly snapshots, each computed by the
real scoring functions as of its day), targets set by the manager, and the elements shared with partners."""

from __future__ import annotations

import datetime

from django.utils import timezone

from partners.models import Partnership
from pom.models import Role
from reports import services

HISTORY_DAYS = (180, 150, 120, 90, 60, 30, 21, 14, 7, 0)
SMALL_HISTORY_DAYS = (90, 30, 7, 0)  # the small demo (seed_demo --size small): still monthly, then weekly


def seed(ctx) -> None:
    org = ctx.org
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    admin = ctx.users.get(Role.ADMIN) or ctx.users[Role.OWNER]
    model = services.model_current(org=org)
    today = timezone.localdate()
    for days in SMALL_HISTORY_DAYS if ctx.small else HISTORY_DAYS:
        day = today - datetime.timedelta(days=days)
        results, facts = services.compute(org=org, model=model, today=day)
        services.store(org=org, model=model, today=day, results=results, facts=facts, full=True)
    for index, partnership in enumerate(Partnership.objects.for_org(org).order_by("id")):
        for element, value in (("trust", 70), ("commitment", 75), ("measurement", 60 + 5 * (index % 3))):
            services.target_set(org=org, actor=manager, partnership=partnership, element=element, value=value)
    services.sharing_update(
        org=org,
        actor=admin,
        shared_elements=["trust", "commitment", "accountability", "measurement"],
        share_overall=True,
    )
    # Benchmarks (issue 10): after the scores, so the TACAM metrics have values to rank.
    from reports import benchmark_demo

    benchmark_demo.seed(ctx)
    # QBR pack, a scheduled report and last year's Partner Wrapped (issue 12).
    from reports import demo_packs

    demo_packs.seed(ctx)
