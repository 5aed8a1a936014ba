from partners.models import Partnership
from plans import demo, selectors
from plans.models import CheckIn, Meeting, Plan
from pom.management.commands.seed_demo import DemoContext
from pom.models import Role
from tests.factories import ContactFactory, PartnershipFactory, ProgramFactory


def test_demo_gives_every_onboarding_or_active_partnership_a_plan_with_history(org, owner, member):
    import random

    tech = ProgramFactory(organization=org, kind="technology", name="Tech alliance")
    partnerships = [PartnershipFactory(partner__organization=org, status="active") for _ in range(4)]
    partnerships.append(PartnershipFactory(partner__organization=org, status="onboarding"))
    partnerships.append(PartnershipFactory(partner__organization=org, program=tech, status="active"))
    ended = PartnershipFactory(partner__organization=org, status=Partnership.Status.ENDED)
    for index, partnership in enumerate(partnerships):
        ContactFactory(partner=partnership.partner, name=f"Pat Partner {index}", email=f"pat{index}@partner.example")
    ctx = DemoContext(org=org, users={Role.OWNER: owner, Role.MANAGER: member}, rng=random.Random(7))
    demo.seed(ctx)

    plans = Plan.objects.for_org(org)
    assert plans.count() == 6 and not plans.filter(partnership=ended).exists()
    # Named for what they are, not after their template.
    names = set(plans.values_list("name", flat=True))
    assert {name.split(" — ")[1].split(" ", 1)[1] for name in names} == {
        "joint business plan",
        "onboarding plan",
        "integration launch plan",
    }
    assert all(" × Nimbus — FY" in name for name in names)
    assert CheckIn.objects.for_org(org).count() > 30
    # The vendor approved half of them; the partner's side waits for the partner's own person.
    awaiting = ctx.data["plans_awaiting_partner_approval"]
    assert awaiting and all(p.vendor_approved_by == member and p.partner_approved_at is None for p in awaiting)
    # Partner-owned key results are checked in by the partner's person (from their contacts), not the vendor.
    partner_side = CheckIn.objects.for_org(org).filter(key_result__responsible_side="partner")
    assert partner_side.exists() and not partner_side.filter(created_by__in=[owner, member]).exists()
    assert Meeting.objects.for_org(org).exclude(decisions="").exists()
    statuses = set()
    for plan in plans:
        statuses |= {kr.status for kr in selectors.plan_tree(org=org, plan=plan).kr_list}
    assert "behind" in statuses and ("on_track" in statuses or "complete" in statuses)
