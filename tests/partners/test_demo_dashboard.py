import datetime
import random

import pytest

from partners import demo
from partners.dashboard import dashboard_cards
from partners.defaults import org_defaults
from partners.models import Certification, Partner, Partnership, Program, StepCompletion
from pom.management.commands.seed_demo import DemoContext
from pom.models import Role
from tests.factories import CertificationFactory, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_builds_a_believable_portfolio(org, owner):
    org_defaults(org=org)
    users = {Role.OWNER: owner, Role.MANAGER: MembershipFactory(organization=org, role=Role.MANAGER).user}
    ctx = DemoContext(org=org, users=users, rng=random.Random(2026))
    demo.seed(ctx)
    assert Partner.objects.for_org(org).count() == 40
    assert Program.objects.for_org(org).count() == 4
    assert len(ctx.data["partnerships"]) == Partnership.objects.for_org(org).count() > 30
    statuses = set(Partner.objects.for_org(org).values_list("status", flat=True))
    assert statuses == {s for s, _ in Partner.Status.choices}
    in_two = [p for p in ctx.data["partners"] if p.partnerships.count() == 2]
    assert len(in_two) >= 5
    # Steps of every stage before the current one are done: progress is consistent with the stage.
    for partnership in Partnership.objects.for_org(org).select_related("current_stage"):
        earlier = StepCompletion.objects.for_org(org).filter(
            partnership=partnership, step__stage__order__lt=partnership.current_stage.order
        )
        stages = partnership.journey_template.stages.filter(order__lt=partnership.current_stage.order)
        expected = sum(stage.steps.count() for stage in stages)
        assert earlier.count() == expected
    states = {c.expires_on < datetime.date.today() for c in Certification.objects.for_org(org)}
    assert states == {True, False}


def test_dashboard_cards_count_active_onboarding_and_expiring(org):
    PartnerFactory.create_batch(3, organization=org, status="active")
    PartnerFactory(organization=org, status="onboarding")
    CertificationFactory(partner__organization=org, expires_on=datetime.date.today() + datetime.timedelta(days=20))
    cards = {c["title"]: c for c in dashboard_cards(org=org)}
    assert cards["Active partners"]["value"] == 4  # three, plus the certified partner (factory default: active)
    assert cards["Onboarding"]["value"] == 1
    assert cards["Certifications expiring"]["value"] == 1
    assert cards["Active partners"]["url"].endswith("?status=active")
