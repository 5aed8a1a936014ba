"""In a real browser: a vendor invites a partner from the members page, the partner signs up from the
e-mail link, verifies the address, lands in the workspace, posts a check-in on a partner-owned key
result, and the vendor sees it on their side."""

import re

import pytest
from django.core import mail

from plans.models import Plan
from pom.models import Role
from tests.browser.support import _login, _verify
from tests.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    OrganizationFactory,
    PartnershipFactory,
    PlanFactory,
)
from workspaces import services


def _url_in(body: str, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({path}\S+/)", body).group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_vendor_invites_partner_who_checks_in_and_vendor_sees_it(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    vendor = MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user
    _verify(vendor)
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Acme Integrators")
    workspace = services.workspace_ensure_for_partnership(org=org, actor=vendor, partnership=partnership)
    plan = PlanFactory(partnership=partnership, organization=org, name="FY26 joint plan", status=Plan.Status.PROPOSED)
    objective = ObjectiveFactory(plan=plan, organization=org, title="Grow certified capacity")
    KeyResultFactory(objective=objective, name="Certified engineers", responsible_side="partner", target=10)
    KeyResultFactory(objective=objective, name="Leads passed", responsible_side="vendor", target=40)
    base = live_server.url
    ws_url = f"{base}/w/{workspace.public_id}/"

    vendor_page = browser.new_context().new_page()
    _login(vendor_page, base, vendor.email)
    vendor_page.goto(ws_url + "members/")
    vendor_page.fill("input[name=email]", "pat@acme.example")
    vendor_page.select_option("select[name=role]", "editor")
    vendor_page.select_option("select[name=side]", "partner")
    vendor_page.click("text=Send invitation")
    vendor_page.wait_for_selector("text=Invitation sent to pat@acme.example")

    invitation = next(m for m in mail.outbox if m.to == ["pat@acme.example"])
    assert "FY26 joint plan" in invitation.body
    accept_path = _url_in(invitation.body, "/w/invitations/")

    partner = browser.new_context().new_page()
    partner.goto(base + accept_path)
    assert partner.is_visible("text=Join the Acme Integrators")
    # The card's link, not the top bar's: it carries ?next= back to the invitation.
    partner.click(".auth-card a.btn-primary")
    partner.fill("input[name=email]", "pat@acme.example")
    partner.fill("input[name=password1]", "Partner-pass-2026!")
    partner.fill("input[name=password2]", "Partner-pass-2026!")
    if partner.is_visible("input[name=name]"):
        partner.fill("input[name=name]", "Pat Partner")
    partner.click("form button[type=submit]")
    partner.wait_for_load_state()

    confirmation = next(m for m in reversed(mail.outbox) if m.to == ["pat@acme.example"] and "confirm-email" in m.body)
    partner.goto(base + _url_in(confirmation.body, "/accounts/confirm-email/"))
    partner.click("form button[type=submit]")
    partner.wait_for_url(re.compile(r".*/w/invitations/.*"))
    partner.click("text=Accept and open the workspace")
    partner.wait_for_url(ws_url)
    assert partner.is_visible("text=FY26 joint plan")
    # Only the partner-owned key result offers a check-in form.
    assert partner.locator("form[action$='/check-in/']").count() == 1

    row = partner.locator("tr", has_text="Certified engineers")
    row.locator("input[name=value]").fill("6")
    row.locator("input[name=note]").fill("Six engineers certified")
    row.locator("text=Check in").click()
    partner.wait_for_selector("text=Check-in posted on")

    # The vendor's view of the same workspace shows it (the feed also refreshes itself every 20 s).
    vendor_page.goto(ws_url)
    feed = vendor_page.locator("#feed")
    assert "Certified engineers" in feed.inner_text()
    assert "Six engineers certified" in feed.inner_text()
    assert "Pat Partner joined" in feed.inner_text() or "pat@acme.example joined" in feed.inner_text()
    # And partner people never reach the vendor's pages.
    response = partner.goto(f"{base}/o/nimbus/")
    assert response.status == 404
