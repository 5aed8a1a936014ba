from partners.models import Partnership
from plans import demo, selectors
from plans.models import CheckIn, Meeting, Plan
from pom.management.commands.seed_demo import DemoContext
from pom.models import Role
from tests.factories import PartnershipFactory, ProgramFactory


def test_demo_gives_every_onboarding_or_active_partnership_a_plan_with_history(org, owner, member):
    import random

    tech = ProgramFactory(organization=org, kind="technology", name="Tech alliance")
    partnerships = [PartnershipFactory(partner__organization=org, status="active") for _ in range(4)]
    partnerships.append(PartnershipFactory(partner__organization=org, status="onboarding"))
    partnerships.append(PartnershipFactory(partner__organization=org, program=tech, status="active"))
    ended = PartnershipFactory(partner__organization=org, status=Partnership.Status.ENDED)
    ctx = DemoContext(org=org, users={Role.OWNER: owner, Role.MANAGER: member}, rng=random.Random(7))
    demo.seed(ctx)

    plans = Plan.objects.for_org(org)
    assert plans.count() == 6 and not plans.filter(partnership=ended).exists()
    assert set(plans.values_list("name", flat=True)) == {
        "Joint business plan",
        "Partner onboarding",
        "Technology partner launch",
    }
    assert CheckIn.objects.for_org(org).count() > 30
    assert plans.filter(status="validated").exists()
    assert Meeting.objects.for_org(org).exclude(decisions="").exists()
    statuses = set()
    for plan in plans:
        statuses |= {kr.status for kr in selectors.plan_tree(org=org, plan=plan).kr_list}
    assert "behind" in statuses and ("on_track" in statuses or "complete" in statuses)
