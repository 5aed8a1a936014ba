"""A workspace world: one vendor partnership with its workspace and plan, partner people of every role,
a partner person of another workspace of the same vendor, and a member of another organization."""

from types import SimpleNamespace

import pytest

from plans.models import Plan
from pom.models import Role
from tests.factories import (
    ActivityFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    PartnershipFactory,
    PlanFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from workspaces import services
from workspaces.models import Side, WorkspaceRole


@pytest.fixture
def world(org, other_org, owner, admin_user, member, viewer, other_member):
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Acme Integrators")
    workspace = services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=partnership)
    other_partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Beta Partners")
    other_workspace = services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=other_partnership)

    def partner(role, ws=workspace, email=None):
        user = UserFactory(**({"email": email} if email else {}))
        WorkspaceMemberFactory(workspace=ws, user=user, side=Side.PARTNER, role=role)
        return user

    plan = PlanFactory(partnership=partnership, organization=org, name="FY26 joint plan", status=Plan.Status.PROPOSED)
    objective = ObjectiveFactory(plan=plan, organization=org)
    partner_kr = KeyResultFactory(objective=objective, name="Certified engineers", responsible_side="partner")
    vendor_kr = KeyResultFactory(objective=objective, name="Leads passed", responsible_side="vendor")
    partner_activity = ActivityFactory(plan=plan, objective=objective, title="Train sales team", owner_side="partner")
    vendor_activity = ActivityFactory(plan=plan, objective=objective, title="Send MDF budget", owner_side="vendor")
    return SimpleNamespace(
        org=org,
        partnership=partnership,
        workspace=workspace,
        other_workspace=other_workspace,
        plan=plan,
        partner_kr=partner_kr,
        vendor_kr=vendor_kr,
        partner_activity=partner_activity,
        vendor_activity=vendor_activity,
        vendor_owner=owner,
        vendor_admin=admin_user,
        vendor_manager=member,
        vendor_viewer=viewer,
        ws_owner=partner(WorkspaceRole.OWNER, email="pat.owner@acme.example"),
        ws_editor=partner(WorkspaceRole.EDITOR, email="eddie.editor@acme.example"),
        ws_viewer=partner(WorkspaceRole.VIEWER, email="vera.viewer@acme.example"),
        other_partner=partner(WorkspaceRole.OWNER, ws=other_workspace, email="olga@beta.example"),
        other_org_member=other_member,
    )


@pytest.fixture
def vendor_member_factory(org):
    def make(role=Role.MANAGER):
        return MembershipFactory(organization=org, role=role).user

    return make
