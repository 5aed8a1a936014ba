"""A vendor and one partnership with its workspace: partner-side owner, editor and viewer, and helpers
that drive the real pages (upload, check, import; consent; sharing)."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attribution import mapping_services
from attribution.mapping_models import Population
from tests.factories import (
    AccountFactory,
    OpportunityFactory,
    PartnershipFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)
from workspaces.models import Side, WorkspaceRole


@dataclass
class Scene:
    org: object
    partnership: object
    workspace: object
    partner_owner: object
    partner_editor: object
    partner_viewer: object

    @property
    def ws(self):
        return self.workspace.public_id

    def population(self, kind):
        return Population.objects.for_org(self.org).get(kind=kind)


def make_scene(org):
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Acme Integrations")
    link = WorkspacePartnershipFactory(
        partnership=partnership, workspace__organization=org, workspace__is_default=True, workspace__name="Acme"
    )
    people = {
        role: WorkspaceMemberFactory(workspace=link.workspace, side=Side.PARTNER, role=role).user
        for role in (WorkspaceRole.OWNER, WorkspaceRole.EDITOR, WorkspaceRole.VIEWER)
    }
    mapping_services.account_map_ensure(org=org, partnership=partnership)
    return Scene(org, partnership, link.workspace, people["owner"], people["editor"], people["viewer"])


@pytest.fixture
def scene(org):
    return make_scene(org)


@pytest.fixture
def vendor_accounts(org):
    """Globex (customer, domain), Initech (prospect, domain), Hooli (customer, no domain), Umbrella (prospect
    with an open opportunity)."""
    accounts = {
        "globex": AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="customer"),
        "initech": AccountFactory(organization=org, name="Initech", domain="initech.de", type="prospect"),
        "hooli": AccountFactory(organization=org, name="Hooli Logistics GmbH", domain="", type="customer"),
        "umbrella": AccountFactory(
            organization=org, name="Umbrella Health", domain="umbrella.example", type="prospect"
        ),
    }
    accounts["deal"] = OpportunityFactory(organization=org, account=accounts["umbrella"], status="open", amount=300000)
    return accounts


PARTNER_CSV = (
    "Company,Website,Status,Country\n"
    "Globex Corp,https://www.globex.com/en,customer,US\n"
    "INITECH GmbH,shop.initech.de,customer,DE\n"
    "Hooli Logistic,,customer,DE\n"
    "Umbrella Health Inc,umbrella.example,opportunity,US\n"
    "Soylent Retail,soylent.example,customer,FR\n"
)


def upload_list(client, scene, content=PARTNER_CSV, name="accounts.csv", captured=None):
    """Upload, check and import a list through the workspace pages; returns the last response."""
    response = client.post(
        reverse("workspaces:mapping_action", args=[scene.ws, "upload"]),
        {"file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)},
    )
    if response.status_code != 302:
        return response
    list_url = response["Location"]
    page = client.get(list_url)
    form = page.context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items()}
    data["default_population"] = "customer"
    response = client.post(list_url, data)
    if response.status_code != 200:
        return response
    return client.post(list_url, {"commit": "1"})


def agree(client_for, admin_user, scene):
    client_for(admin_user).post(
        reverse("attribution:mapping_action", args=[scene.org.slug, scene.partnership.pk, "opt-in"])
    )
    client_for(scene.partner_owner).post(reverse("workspaces:mapping_action", args=[scene.ws, "opt-in"]))


def opt_in_both(scene, admin_user):
    from attribution.mapping_models import AccountMap

    account_map = AccountMap.objects.for_org(scene.org).get(partnership=scene.partnership)
    mapping_services.mapping_opt_in(org=scene.org, actor=admin_user, account_map=account_map, side="vendor")
    mapping_services.mapping_opt_in(org=scene.org, actor=scene.partner_owner, account_map=account_map, side="partner")
    return account_map


def partner_rows(account_map, rows):
    """Write the partner's current list directly (factories), as an import would."""
    from tests.factories import PartnerAccountFactory, PartnerAccountListFactory

    account_list = PartnerAccountListFactory(account_map=account_map, row_count=len(rows))
    return [PartnerAccountFactory(account_list=account_list, **row) for row in rows]


def recompute(account_map, capture=None):
    """Run the map's recomputation job now (the one queued by earlier changes, or a new one)."""
    from attribution.mapping_models import AccountMap
    from attribution.tasks import heavy_account_map_compute

    job = mapping_services.account_map_recompute_request(org=account_map.organization, account_map=account_map)
    heavy_account_map_compute(account_map.organization_id, job.pk)
    return AccountMap.objects.for_org(account_map.organization_id).get(pk=account_map.pk)


def share(account_map, *, side, actor, levels, fields=None):
    mapping_services.sharing_set(
        org=account_map.organization, actor=actor, account_map=account_map, side=side, levels=levels, fields=fields
    )
