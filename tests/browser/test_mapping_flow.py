"""In a real browser: a partner person agrees to map accounts in the workspace, uploads its customer
list (checked, then imported), shares the accounts in common; the vendor sees the overlap in the
matrix, opens the customers in common and asks the partner for an introduction on one of them."""

import os

import pytest

from attribution import mapping_services
from attribution.mapping_models import CoSellRequest, Population
from pom.models import Role
from tests.browser.support import _login, _verify
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnershipFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)
from workspaces.models import Notification, Side, WorkspaceRole

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PARTNER_CSV = (
    "Company,Website,Status\n"
    "Globex Corp,https://www.globex.com/en,customer\n"
    "Umbrella Health Inc,umbrella.example,customer\n"
    "Soylent Retail,soylent.example,customer\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_uploads_and_shares_vendor_sees_the_overlap_and_asks_for_an_intro(
    live_server,
    browser,
    tmp_path,
):
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user__email="ada@nimbus.example").user
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Acme Integrators")
    link = WorkspacePartnershipFactory(
        partnership=partnership, workspace__organization=org, workspace__is_default=True, workspace__name="Acme"
    )
    pat = WorkspaceMemberFactory(
        workspace=link.workspace, side=Side.PARTNER, role=WorkspaceRole.OWNER, user__email="pat@acme.example"
    ).user
    for user in (admin, pat):
        _verify(user)
    AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="customer")
    umbrella = AccountFactory(organization=org, name="Umbrella Health", domain="umbrella.example", type="customer")
    deal = OpportunityFactory(organization=org, account=umbrella, status="open", name="Umbrella analytics")
    AccountFactory(organization=org, name="Initech", domain="initech.de", type="prospect")
    account_map = mapping_services.account_map_ensure(org=org, partnership=partnership)
    mapping_services.mapping_opt_in(org=org, actor=admin, account_map=account_map, side="vendor")
    customers = Population.objects.for_org(org).get(kind="customers")
    base = live_server.url
    csv_file = tmp_path / "acme-customers.csv"
    csv_file.write_text(PARTNER_CSV)

    # The partner's side, in its workspace: consent, upload, check, import, share.
    partner = browser.new_context().new_page()
    _login(partner, base, pat.email)
    partner.goto(f"{base}/w/{link.workspace.public_id}/mapping/")
    partner.click("text=Agree to map accounts")
    partner.set_input_files("input[name=file]", str(csv_file))
    partner.click("text=Upload and check")
    partner.select_option("select[name=default_population]", "customer")
    partner.click("text=Check every row")
    partner.click("text=Import: replace our previous list")
    partner.wait_for_selector(".mapping-matrix")
    partner.select_option(f"select[name=level_{customers.pk}_customer]", "overlap")
    partner.click("text=Save sharing")
    partner.wait_for_selector(".mapping-matrix")

    # The vendor's side: the matrix counts 2 customers in common, the cell lists them by the partner's names.
    vendor = browser.new_context().new_page()
    _login(vendor, base, admin.email)
    vendor.goto(f"{base}/o/{org.slug}/pipeline/mapping/{partnership.pk}/")
    vendor.click(f".mapping-matrix a[href$='?v={customers.pk}&p=customer']")
    body = vendor.locator("main").inner_text()
    assert "Globex Corp" in body and "Umbrella Health Inc" in body and "Soylent" not in body
    vendor.goto(f"{base}/o/{org.slug}/pipeline/mapping/accounts/{umbrella.pk}/")
    assert "Acme Integrators" in vendor.locator("main").inner_text()
    vendor.select_option("select[name=kind]", "introduction")
    vendor.select_option("select[name=opportunity]", str(deal.pk))
    vendor.fill("textarea[name=message]", "Could you introduce us to their CFO?")
    vendor.click("text=Send the request")
    vendor.wait_for_selector("text=Could you introduce us to their CFO?")

    request = CoSellRequest.objects.for_org(org).get()
    assert (request.account_id, request.opportunity_id, request.status) == (umbrella.pk, deal.pk, "pending")
    assert Notification.objects.filter(user=pat, kind="cosell", text__contains="Umbrella Health Inc").exists()
