"""Partner home across vendors, the pom hooks workspaces provides (home, access, events), and backfill."""

import datetime

from django.urls import reverse
from django.utils import timezone

from pom import hooks
from tests.factories import (
    ActivityFactory,
    OrganizationFactory,
    PartnershipFactory,
    PlanFactory,
    WorkspaceMemberFactory,
)
from workspaces import services
from workspaces.models import Workspace


def test_partner_home_lists_every_workspace_across_vendors_with_what_needs_attention(world, client_for):
    vendor2 = OrganizationFactory(name="Orbit Data")
    partnership2 = PartnershipFactory(organization=vendor2, partner__organization=vendor2)
    ws2 = services.workspace_ensure_for_partnership(org=vendor2, actor=None, partnership=partnership2)
    WorkspaceMemberFactory(workspace=ws2, user=world.ws_editor)
    plan2 = PlanFactory(partnership=partnership2, organization=vendor2)
    ActivityFactory(
        plan=plan2,
        title="Publish joint case study",
        owner_side="partner",
        due_date=timezone.localdate() - datetime.timedelta(days=3),
    )
    response = client_for(world.ws_editor).get(reverse("workspaces:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert world.workspace.name in body and ws2.name in body
    assert "Orbit Data" in body and "Nimbus Cloud" in body
    assert "Publish joint case study" in body and "Overdue" in body
    assert "Certified engineers" in body  # partner-owned KR never checked in: due
    assert "Leads passed" not in body  # vendor-owned: not theirs
    assert world.other_workspace.name not in body


def test_root_sends_a_partner_person_to_their_home(world, client_for):
    response = client_for(world.ws_viewer).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("workspaces:home")


def test_home_url_hook_is_none_for_people_without_workspaces(outsider, world):
    from workspaces.home import home_url

    assert home_url(user=outsider) is None
    assert home_url(user=world.ws_owner) == "/w/"


def test_guest_user_ids_are_the_partner_members_of_the_partnership(world):
    ids = hooks.partnership_guest_user_ids(org=world.org, partnership=world.partnership)
    assert ids == {world.ws_owner.pk, world.ws_editor.pk, world.ws_viewer.pk}


def test_partnership_created_event_opens_one_workspace(org, owner):
    from partners.models import Partnership

    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Gamma")
    hooks.emit("partnership.created", org=org, actor=owner, partnership=partnership)
    hooks.emit("partnership.created", org=org, actor=owner, partnership=partnership)
    workspaces = Workspace.objects.for_org(org).filter(partnerships=partnership)
    assert workspaces.count() == 1
    assert workspaces.get().name.startswith("Gamma")
    assert Partnership.objects.filter(pk=partnership.pk).exists()


def test_partners_service_creates_the_workspace(org, owner):
    from partners import services as partner_services
    from tests.factories import PartnerFactory, ProgramFactory

    partner = PartnerFactory(organization=org, name="Delta")
    program = ProgramFactory(organization=org)
    partnership = partner_services.partnership_create(org=org, actor=owner, partner=partner, program=program)
    assert Workspace.objects.for_org(org).filter(partnerships=partnership, is_default=True).exists()


def test_backfill_opens_missing_workspaces_only(org, owner):
    a = PartnershipFactory(organization=org, partner__organization=org)
    b = PartnershipFactory(organization=org, partner__organization=org)
    services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=a)
    assert services.workspace_backfill(org=org, actor=owner) == 1
    assert services.workspace_backfill(org=org, actor=owner) == 0
    assert Workspace.objects.for_org(org).filter(partnerships=b).count() == 1
