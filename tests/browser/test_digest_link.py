"""In a real browser: a partner follows the check-in link of a digest e-mail without logging in, enters a
value, and then sees it in the workspace after logging in."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from pom.models import Role
from tests.browser.support import _login, _verify
from tests.factories import (
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    OrganizationFactory,
    PartnershipFactory,
    PlanFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from workspaces import digest_facts, digest_services, services
from workspaces.models import Digest, Side
from workspaces.selectors import workspace_access


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_checks_in_from_the_digest_email_and_sees_the_value(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    vendor = MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user
    partnership = PartnershipFactory(organization=org, partner__organization=org, partner__name="Acme Integrators")
    workspace = services.workspace_ensure_for_partnership(org=org, actor=vendor, partnership=partnership)
    partner = UserFactory(email="pat@acme.example", name="Pat Partner")
    _verify(partner)
    WorkspaceMemberFactory(workspace=workspace, user=partner, side=Side.PARTNER)
    plan = PlanFactory(partnership=partnership, organization=org, name="FY26 joint plan")
    objective = ObjectiveFactory(plan=plan, organization=org)
    kr = KeyResultFactory(objective=objective, name="Certified engineers", responsible_side="partner", target=10)
    today = timezone.localdate()
    digest_services.generate_batch(
        org=org,
        kind="weekly",
        period=digest_facts.period_key("weekly", today),
        workspace_ids=[workspace.pk],
        today=today,
    )
    digest = Digest.objects.for_org(org).get()
    with transaction.atomic():
        digest_services.digest_approve(
            access=workspace_access(user=vendor, workspace=workspace), actor=vendor, digest=digest
        )
    body = next(m.body for m in mail.outbox if m.to == ["pat@acme.example"])
    assert body.startswith("Hi Pat Partner,")
    link = re.search(r"Check in: (\S+)", body).group(1)

    page = browser.new_page()
    page.goto(link)
    assert "Certified engineers" in page.content()
    page.fill("input[name=value]", "7")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "recorded" in page.content()

    _login(page, live_server.url, "pat@acme.example")
    page.goto(f"{live_server.url}/w/{workspace.public_id}/")
    row = page.locator(f"#kr-{kr.pk}")
    assert "7 / 10" in row.inner_text()
    page.close()
