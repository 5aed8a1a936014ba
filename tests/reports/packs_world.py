"""Hand-built data shared by the QBR pack, schedule and Wrapped tests: one partnership with a plan, key
results, activities, deals, a registration, a meeting with decisions, and a workspace with a partner."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from attribution.models import Opportunity
from plans.models import Activity
from reports import packs
from tests.factories import (
    ActivityFactory,
    DealRegistrationFactory,
    KeyResultFactory,
    MeetingFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnerFactory,
    PartnershipFactory,
    PlanFactory,
    UserFactory,
    WorkspaceFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)


@dataclass
class World:
    partnership: object
    workspace: object
    partner_user: object
    won: object
    kr: object
    period: tuple


def build(org) -> World:
    today = timezone.localdate()
    start, end, label = packs.quarter_of(today)
    partnership = PartnershipFactory(organization=org, partner=PartnerFactory(organization=org, name="Acme Data"))
    plan = PlanFactory(partnership=partnership, name="Joint business plan", period_start=start, period_end=end)
    kr = KeyResultFactory(plan=plan, objective__plan=plan, name="Deals registered", target=10, current_value=6)
    ActivityFactory(
        plan=plan, title="Joint webinar", status=Activity.Status.DONE, completed_at=timezone.now(), due_date=today
    )
    ActivityFactory(plan=plan, title="Partner enablement", due_date=today - datetime.timedelta(days=3))
    won = OpportunityFactory(
        organization=org, name="Globex renewal", amount=Decimal("12500.00"), status=Opportunity.Status.WON,
        closed_on=today, created_on=start,
    )  # fmt: skip
    OpportunityPartnerFactory(organization=org, opportunity=won, partnership=partnership)
    OpportunityPartnerFactory(
        organization=org, opportunity=OpportunityFactory(organization=org, name="Initech"), partnership=partnership
    )
    DealRegistrationFactory(organization=org, partnership=partnership)
    MeetingFactory(partnership=partnership, title="Quarterly review", date=today, decisions="Launch the EMEA bundle")
    workspace = WorkspaceFactory(organization=org, name="Acme workspace")
    WorkspacePartnershipFactory(workspace=workspace, partnership=partnership)
    partner_user = UserFactory(email="pat@acme.example")
    WorkspaceMemberFactory(workspace=workspace, user=partner_user)
    return World(partnership, workspace, partner_user, won, kr, (start, end, label))


def guest_elsewhere(org):
    """A partner person of another workspace of the same vendor (another partnership)."""
    other = WorkspaceFactory(organization=org, name="Other workspace")
    WorkspacePartnershipFactory(workspace=other, partnership=PartnershipFactory(organization=org))
    guest = UserFactory()
    WorkspaceMemberFactory(workspace=other, user=guest)
    return guest
