"""In a real browser: a partner person answers a trust assessment from the e-mailed link without logging
in, and the vendor's assessment page then shows the new answer with its formula, and the partner page's
Scores tab draws the changed Trust value in its chart."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from partners import assessment_services
from pom.models import Role
from reports import services as score_services
from tests.browser.support import _login, _verify
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PartnershipFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from workspaces import services
from workspaces.models import Side

RATINGS = {"reliability": "9", "credibility": "8", "intimacy": "7", "self_orientation": "2"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keep the rows migrations seeded
def test_partner_answers_trust_from_the_email_and_the_vendor_sees_it(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    vendor = MembershipFactory(organization=org, role=Role.MANAGER, user__email="olivia@nimbus.example").user
    _verify(vendor)
    partnership = PartnershipFactory(
        organization=org, partner__organization=org, partner__name="Acme Integrators", owner=vendor
    )
    workspace = services.workspace_ensure_for_partnership(org=org, actor=vendor, partnership=partnership)
    partner = UserFactory(email="pat@acme.example", name="Pat Partner")
    WorkspaceMemberFactory(workspace=workspace, user=partner, side=Side.PARTNER)
    with transaction.atomic():
        campaign = assessment_services.campaign_create(
            org=org,
            actor=vendor,
            name="Q4 trust pulse",
            kind="trust",
            partnerships=[partnership],
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
    rnd = campaign.rounds.get()
    with transaction.atomic():  # scores before the answer: trust has only the (empty) workspace sharing
        score_services.scores_request(org=org)
    assert partnership.score_snapshots.get().trust == 0
    body = next(m.body for m in mail.outbox if m.to == ["pat@acme.example"])
    link = re.search(r"(https?://\S+/assessments/\S+/)", body).group(1)

    page = browser.new_page()
    page.goto(link)
    assert "How do you see Nimbus Cloud?" in page.content()
    for field, value in RATINGS.items():
        page.check(f"input[name={field}][value='{value}']")
    page.click("form[data-testid=assessment-form] button[type=submit]")
    page.wait_for_load_state()
    assert "your answers are in" in page.content()
    page.goto(link)
    assert "already answered" in page.content()

    _login(page, live_server.url, "olivia@nimbus.example")
    page.goto(f"{live_server.url}/o/nimbus/partners/assessments/rounds/{rnd.pk}/")
    assert page.locator("[data-testid=trust-partner]").inner_text() == "12.00"
    assert "(9 + 8 + 7) / 2 = 12.00" in page.content()
    page.goto(f"{live_server.url}/o/nimbus/partners/assessments/")
    assert "1 / 2" in page.locator("table").first.inner_text()

    # The answer scheduled a recompute of the partnership: the Scores tab's hexagon shows the new Trust.
    # Partner side 12 → 50 × log10(12 / 0.3) = 80.1; with the workspace sharing at 0: 80.1 × 50/80 = 50.1.
    page.goto(f"{live_server.url}/o/nimbus/partners/{partnership.partner_id}/tab/scores/")
    cell = page.locator(f"#scores-{partnership.pk} [data-score=trust]")
    cell.wait_for()
    assert cell.inner_text() == "50.1"
    chart = page.locator(f"#scores-{partnership.pk} .chart").first
    page.wait_for_selector(f"#scores-{partnership.pk} .chart.js-plotly-plot")
    figure = json.loads(chart.get_attribute("data-plotly"))
    score = next(t for t in figure["data"] if t["name"] == "Score")
    assert score["r"][score["theta"].index("Trust")] == 50.1
    page.close()
