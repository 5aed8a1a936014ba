"""In a real browser, with POM's Content-Security-Policy on: every main page loads without a single
violation (no inline script, inline handler or inline style anywhere), and the plotly charts still
draw. A vendor owner walks the organization's pages, a partner person the workspace pages, an
anonymous visitor the sign-in pages."""

import datetime
import os

import pytest
from django.utils import timezone

from plans.models import Plan
from pom.models import Role
from tests.browser.test_workspace_flow import _login, _verify, browser  # noqa: F401  (fixture)
from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    DealRegistrationFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    OrganizationFactory,
    PartnerFactory,
    PartnershipFactory,
    PlanFactory,
    UserFactory,
    WorkspaceMemberFactory,
)
from workspaces import services as workspace_services

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Recorded before any page script runs; Playwright's init scripts are not subject to the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def _world():
    org = OrganizationFactory(name="Nimbus Cloud", slug="nimbus")
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email="olivia@nimbus.example").user
    _verify(owner)
    partner = PartnerFactory(organization=org, name="Acme Integrators")
    partnership = PartnershipFactory(organization=org, partner=partner)
    plan = PlanFactory(partnership=partnership, organization=org, name="FY26 joint plan", status=Plan.Status.PROPOSED)
    objective = ObjectiveFactory(plan=plan, organization=org)
    kr = KeyResultFactory(objective=objective, name="Certified engineers", responsible_side="partner", target=10)
    CheckInFactory(key_result=kr, value=4, created_at=timezone.now() - datetime.timedelta(days=20))
    CheckInFactory(key_result=kr, value=6)
    ActivityFactory(plan=plan, objective=objective, organization=org)
    opportunity = OpportunityFactory(organization=org)
    OpportunityPartnerFactory(opportunity=opportunity, partnership=partnership, organization=org)
    registration = DealRegistrationFactory(organization=org, partnership=partnership)
    workspace = workspace_services.workspace_ensure_for_partnership(org=org, actor=owner, partnership=partnership)
    guest = UserFactory(email="pat@acme.example", name="Pat Partner")
    _verify(guest)
    WorkspaceMemberFactory(workspace=workspace, user=guest, side="partner", role="editor")
    return {
        "org": org,
        "owner": owner,
        "guest": guest,
        "partner": partner,
        "plan": plan,
        "opportunity": opportunity,
        "registration": registration,
        "workspace": workspace,
    }


def vendor_pages(w) -> list[str]:
    o = f"/o/{w['org'].slug}"
    return [
        f"{o}/",
        f"{o}/partners/",
        f"{o}/partners/{w['partner'].pk}/",
        f"{o}/partners/{w['partner'].pk}/tab/journey/",
        f"{o}/partners/programs/",
        f"{o}/partners/certifications/",
        f"{o}/partners/settings/taxonomy/",
        f"{o}/partners/import/",
        f"{o}/partners/assessments/",
        f"{o}/partners/settings/health-questions/",
        f"{o}/partners/{w['partner'].pk}/tab/assessments/",
        f"{o}/plans/",
        f"{o}/plans/{w['plan'].pk}/",
        f"{o}/plans/{w['plan'].pk}/qbr/",
        f"{o}/plans/templates/",
        f"{o}/pipeline/",
        f"{o}/pipeline/opportunities/{w['opportunity'].pk}/",
        f"{o}/pipeline/registrations/",
        f"{o}/pipeline/registrations/{w['registration'].pk}/",
        f"{o}/pipeline/metrics/",
        f"{o}/pipeline/settings/",
        f"{o}/pipeline/mapping/",
        f"{o}/pipeline/mapping/{w['partner'].partnerships.first().pk}/",
        f"{o}/pipeline/mapping/populations/",
        f"{o}/pipeline/mapping/accounts/",
        f"{o}/pipeline/co-sell/",
        f"{o}/pipeline/co-sell/attachment/",
        f"{o}/workspaces/",
        f"{o}/reports/",
        f"{o}/settings/",
        f"{o}/settings/members/",
        f"{o}/settings/api-keys/",
        f"{o}/settings/audit/",
        f"{o}/settings/jobs/",
        f"{o}/settings/webhooks/",
        f"{o}/settings/security/",
        f"{o}/settings/data/",
        f"/w/{w['workspace'].public_id}/",
        f"/w/{w['workspace'].public_id}/members/",
        "/accounts/profile/",
        "/accounts/privacy/",
        "/accounts/sessions/",
        "/accounts/2fa/",
        "/accounts/password/change/",
    ]


def guest_pages(w) -> list[str]:
    ws = f"/w/{w['workspace'].public_id}"
    return [
        "/w/",
        f"{ws}/",
        f"{ws}/files/",
        f"{ws}/deals/",
        f"{ws}/mapping/",
        f"{ws}/co-sell/",
        f"{ws}/assessments/",
        "/w/notifications/",
        "/accounts/privacy/",
    ]


ANONYMOUS_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/sso/"]


def _visit_all(page, base, paths) -> dict[str, list[str]]:
    """Load each path; return {path: problems} for error statuses and CSP violations."""
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    problems: dict[str, list[str]] = {}
    for path in paths:
        console.clear()
        response = page.goto(base + path)
        page.wait_for_load_state("load")
        found = [f"HTTP {response.status}"] if response.status >= 400 else []
        if "script-src" not in response.headers.get("content-security-policy", ""):
            found.append("no Content-Security-Policy header")
        found += page.evaluate("window.__cspViolations")
        found += [text for text in console if "Content Security Policy" in text or "Refused to" in text]
        if found:
            problems[path] = found
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_loads_without_a_csp_violation_and_charts_draw(live_server, browser):  # noqa: F811
    w = _world()
    base = live_server.url

    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    _login(page, base, w["owner"].email)
    problems = _visit_all(page, base, vendor_pages(w))

    # The charts are drawn by static/js/pom.js from data attributes: no inline script needed.
    for path in (f"/o/{w['org'].slug}/plans/{w['plan'].pk}/", f"/o/{w['org'].slug}/reports/"):
        page.goto(base + path)
        page.wait_for_selector(".chart .main-svg", timeout=10_000)
    # Behaviour moved out of inline handlers still works: the API key field selects itself.
    page.goto(f"{base}/o/{w['org'].slug}/settings/api-keys/")
    page.fill("input[name=name]", "Warehouse sync")
    page.click("form button[type=submit]")
    page.click("#new-key")
    selected = page.evaluate("(f => f.selectionEnd - f.selectionStart)(document.getElementById('new-key'))")
    assert selected > 20

    guest_context = browser.new_context()
    guest_context.add_init_script(RECORD_VIOLATIONS)
    guest_page = guest_context.new_page()
    _login(guest_page, base, w["guest"].email)
    problems.update(_visit_all(guest_page, base, guest_pages(w)))

    anonymous = browser.new_context()
    anonymous.add_init_script(RECORD_VIOLATIONS)
    problems.update(_visit_all(anonymous.new_page(), base, ANONYMOUS_PAGES))

    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
