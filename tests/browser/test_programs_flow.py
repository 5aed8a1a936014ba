"""In a real browser: a partner person requests market development funds in the workspace, the vendor
approves, the partner claims with proof, the vendor approves the claim and records the payment, and
the partner sees the request reimbursed with its reference; its program page shows its points and
what it takes to reach the next tier."""

import datetime
import os
from decimal import Decimal

import pytest

from attribution.models import MdfRequest
from partners import services as partner_services
from partners.models import PointActivity
from pom.models import Role
from tests.browser.support import _login, _verify
from tests.factories import (
    MdfBudgetFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnershipFactory,
    PointRuleFactory,
    ProgramFactory,
    TierFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)
from workspaces.models import Side, WorkspaceRole

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_requests_and_claims_funds_vendor_approves_and_pays_partner_sees_it(
    live_server,
    browser,
    tmp_path,
):
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus", currency="EUR")
    manager = MembershipFactory(organization=org, role=Role.MANAGER, user__email="mia@nimbus.example").user
    program = ProgramFactory(organization=org, name="Resell")
    silver = TierFactory(program=program, name="Silver", rank=1)
    TierFactory(program=program, name="Gold", rank=2, required_points=200)
    partnership = PartnershipFactory(
        organization=org,
        program=program,
        tier=silver,
        partner__organization=org,
        partner__name="Acme Integrators",
    )
    link = WorkspacePartnershipFactory(
        partnership=partnership, workspace__organization=org, workspace__is_default=True, workspace__name="Acme"
    )
    pat = WorkspaceMemberFactory(
        workspace=link.workspace, side=Side.PARTNER, role=WorkspaceRole.EDITOR, user__email="pat@acme.example"
    ).user
    for user in (manager, pat):
        _verify(user)
    PointRuleFactory(program=program, activity=PointActivity.CERTIFICATION, points=150, name="Certified engineer")
    partner_services.certification_create(
        org=org, actor=manager, partner=partnership.partner, name="Nimbus Admin", issued_on=datetime.date.today()
    )
    budget = MdfBudgetFactory(program=program, name="Co-marketing fund", amount=Decimal("10000"))
    base = live_server.url
    funds_url = f"{base}/w/{link.workspace.public_id}/funds/"
    proof = tmp_path / "attendees.csv"
    proof.write_text("name,company\nDana,Umbrella Health\n")

    partner = browser.new_context().new_page()
    _login(partner, base, pat.email)
    partner.goto(funds_url)
    partner.select_option("select[name=budget]", str(budget.pk))
    partner.fill("input[name=activity]", "Joint webinar")
    partner.fill("input[name=start_date]", budget.period_start.isoformat())
    partner.fill("input[name=end_date]", budget.period_start.isoformat())
    partner.fill("input[name=amount_requested]", "2500")
    partner.fill("input[name=campaign_code]", "WEB-ACME")
    partner.click("form.card >> text=Send the request")
    partner.wait_for_selector("[data-testid=request-status]")
    request = MdfRequest.objects.for_org(org).get()
    assert (request.status, request.amount_requested, request.submitted_by) == ("submitted", Decimal("2500"), pat)

    vendor = browser.new_context().new_page()
    _login(vendor, base, manager.email)
    vendor_url = f"{base}/o/{org.slug}/pipeline/mdf/requests/{request.pk}/"
    vendor.goto(vendor_url)
    vendor.fill("input[name=amount]", "2000")
    vendor.fill("textarea[name=comment]", "Go ahead, 2,000 this quarter")
    vendor.click("button[value=approve]")
    vendor.wait_for_selector("text=Go ahead, 2,000 this quarter")

    partner.goto(funds_url)
    assert "2,000" in partner.locator(f"#request-{request.pk}").inner_text()
    partner.click(f"#request-{request.pk} summary")
    partner.fill(f"#request-{request.pk} input[name=claim-{request.pk}-amount_claimed]", "1800")
    partner.set_input_files(f"#request-{request.pk} input[name=claim-{request.pk}-proofs]", str(proof))
    partner.click(f"#request-{request.pk} >> text=Send the claim")
    partner.wait_for_selector(f"#request-{request.pk} >> text=attendees.csv")

    vendor.goto(vendor_url)
    vendor.click("button[value=claim-approve]")
    vendor.wait_for_selector("button[value=reimburse]")
    vendor.fill("input[name=payment_reference]", "PAY-2026-117")
    vendor.click("button[value=reimburse]")
    vendor.wait_for_selector("text=PAY-2026-117")

    partner.goto(funds_url)
    card = partner.locator(f"#request-{request.pk}").inner_text()
    assert "reimbursed 1,800" in card and "PAY-2026-117" in card
    partner.goto(f"{base}/w/{link.workspace.public_id}/program/")
    assert partner.locator("[data-testid=points-balance]").inner_text() == "150"
    program_page = partner.locator("main").inner_text()
    assert "What it takes to reach Gold" in program_page
    assert "75 %" in partner.locator(".req-progress").inner_text()  # 150 of the 200 points Gold asks
