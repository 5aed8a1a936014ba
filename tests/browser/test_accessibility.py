"""In a real browser, one sweep over every main page: each visit checks that the page loads under POM's
Content-Security-Policy without a single violation (no inline script, inline handler or inline style
anywhere; the plotly charts still draw), and on the pages of the accessibility set that it passes
axe-core's WCAG 2.1 A/AA rules with no serious or critical violation and that nothing on it runs off the
side of the screen (the document does not scroll sideways and no element is wider than the viewport),
at a laptop's 1366 px and a phone's 390 px. A vendor owner walks the organization's pages, a partner
person the workspace pages, an anonymous visitor the sign-in pages.

axe-core is shipped in tests/browser/vendor/axe-core/ (no CDN). A screenshot of every page with a problem
lands in a temporary directory whose path the failure message names. See docs/accessibility.md.
"""

import datetime
import pathlib
import tempfile

import pytest
from django.utils import timezone

from plans.models import Plan
from pom.models import Role
from reports import packs, schedules, summary, wrapped
from tests.browser.support import _login, _verify
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

AXE = (pathlib.Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Recorded before any page script runs; Playwright's init scripts are not subject to the page's policy.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


FIND_OVERFLOW = """
() => {
  const width = window.innerWidth;
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth}px wide`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) parts.unshift(name(e));
    return parts.join(" > ");
  };
  const clipped = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.overflowX !== "visible" || style.clipPath !== "none" || style.clip !== "auto") {
        const r = e.getBoundingClientRect();
        if (r.right <= width + 1 && r.left >= -1) return true;
      }
    }
    return false;
  };
  const offenders = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || !el.checkVisibility({ visibilityProperty: true })) continue;
    if (r.right <= 0 || r.left >= width) continue;  // parked off-screen on purpose (plotly's text measurer)
    const tooWide = r.width > width + 1;
    const sticksOut = (r.right > width + 1 || r.left < -1) && !clipped(el);
    if (!tooWide && !sticksOut) continue;
    let parent = el.parentElement;
    while (parent && !offenders.has(parent)) parent = parent.parentElement;
    offenders.add(el);
    if (parent) continue;
    problems.push(`${path(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
  }
  // A table cut by its own scrolling frame hides its last columns: it must fit (a phone stacks it).
  for (const table of document.querySelectorAll("table.table:not(.keep-table)")) {
    const frame = table.closest(".table-wrap");
    if (frame && frame.checkVisibility() && frame.scrollWidth > frame.clientWidth + 1) {
      problems.push(`${path(table)} is ${frame.scrollWidth}px wide in a ${frame.clientWidth}px frame`);
    }
  }
  return problems;
}
"""

RUN_AXE = """
async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} -> ` + v.nodes.slice(0, 4).map((n) => n.target.join(" ")
      + (n.any[0]?.data?.fgColor ? ` (${n.any[0].data.fgColor} on ${n.any[0].data.bgColor})` : "")).join(" | ")
      + (v.nodes.length > 4 ? ` (+${v.nodes.length - 4} more)` : ""));
}
"""


@pytest.fixture(scope="module")
def shots():
    return pathlib.Path(tempfile.mkdtemp(prefix="pom-a11y-"))


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
    # Issue 12's pages: a QBR pack, the partnership's Wrapped, a report subscription, computed dashboards.
    start, end, label = packs.quarter_of(timezone.localdate())
    pack = packs.pack_generate(
        org=org, actor=owner, partnership=partnership, period_start=start, period_end=end, label=label
    )
    year = wrapped.review_year()
    wrapped.wrapped_generate(org=org, actor=owner, partnership=partnership, year=year)
    subscription = schedules.subscription_create(
        org=org, actor=owner, kind="partner_wrapped", params={"partnership": partnership.pk},
        frequency="monthly", recipients=[owner],
    )  # fmt: skip
    summary.summary_request(org=org, actor=owner)  # inline in tests: the dashboards have their panels
    return {
        "org": org,
        "owner": owner,
        "guest": guest,
        "partner": partner,
        "plan": plan,
        "opportunity": opportunity,
        "registration": registration,
        "workspace": workspace,
        "partnership": partnership,
        "pack": pack,
        "year": year,
        "subscription": subscription,
    }


def issue_12_pages(w) -> list[str]:
    """Dashboards, QBR packs, Partner Wrapped and report subscriptions, vendor side."""
    r = f"/o/{w['org'].slug}/reports"
    return [
        f"{r}/dashboards/portfolio/",
        f"{r}/dashboards/unit-economics/",
        f"{r}/dashboards/programs/",
        f"{r}/packs/",
        f"{r}/packs/{w['pack'].pk}/",
        f"{r}/wrapped/",
        f"{r}/wrapped/{w['partnership'].pk}/{w['year']}/",
        f"{r}/schedules/",
        f"{r}/schedules/{w['subscription'].pk}/",
    ]


def issue_12_guest_pages(w) -> list[str]:
    """QBR packs and Partner Wrapped inside the workspace, as the partner person sees them."""
    ws = f"/w/{w['workspace'].public_id}"
    return [
        f"{ws}/packs/",
        f"{ws}/packs/{w['pack'].pk}/",
        f"{ws}/wrapped/",
        f"{ws}/wrapped/{w['partnership'].pk}/{w['year']}/",
    ]


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
        *issue_12_pages(w),
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
        *issue_12_guest_pages(w),
        "/w/notifications/",
        "/accounts/privacy/",
    ]


ANONYMOUS_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/sso/"]


def a11y_vendor_pages(w) -> list[str]:
    """The vendor pages also checked with axe and for overflow at both widths."""
    o = f"/o/{w['org'].slug}"
    return [
        f"{o}/",
        f"{o}/partners/",
        f"{o}/partners/{w['partner'].pk}/",
        f"{o}/plans/",
        f"{o}/plans/{w['plan'].pk}/",
        f"{o}/pipeline/",
        f"{o}/pipeline/registrations/",
        f"{o}/reports/",
        *issue_12_pages(w),
        f"{o}/settings/",
    ]


def a11y_guest_pages(w) -> list[str]:
    return ["/w/", f"/w/{w['workspace'].public_id}/", *issue_12_guest_pages(w)]


A11Y_ANONYMOUS_PAGES = ["/accounts/login/"]


def _sweep(browser, base, shots, paths, checked, *, login=None):
    """Visit each path once at the laptop width, and the `checked` ones once more at the phone width.
    Every visit: HTTP status, the Content-Security-Policy header, CSP violations (the page's
    securitypolicyviolation events and Chromium's console errors); on `checked` pages also overflow
    and axe. A page with a problem is screenshot. Returns ({"width path (screenshot)": problems}, the
    page), the context left open for more checks."""
    assert set(checked) <= set(paths), set(checked) - set(paths)
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    # axe-core is served as a same-origin script (the page's Content-Security-Policy allows 'self'),
    # so Chromium compiles it once and reuses the code on every page.
    context.route(f"{base}/__axe.min.js", lambda route: route.fulfill(body=AXE, content_type="text/javascript"))
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    if login:
        _login(page, base, login)
    problems: dict[str, list[str]] = {}
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in paths if label == "laptop" else [p for p in paths if p in checked]:
            console.clear()
            response = page.goto(base + path)
            page.wait_for_load_state("load")
            found = [f"HTTP {response.status}"] if response.status >= 400 else []
            if "script-src" not in response.headers.get("content-security-policy", ""):
                found.append("no Content-Security-Policy header")
            if path in checked:
                found += page.evaluate(FIND_OVERFLOW)
                page.add_script_tag(url=f"{base}/__axe.min.js")
                found += page.evaluate(RUN_AXE, AXE_TAGS)
            # Read after axe ran, so a violation caused by the page's own scripts at any point counts.
            found += page.evaluate("window.__cspViolations")
            found += [text for text in console if "Content Security Policy" in text or "Refused to" in text]
            if found:  # a screenshot of what failed (taking one of every page cost ~7 s of the sweep)
                name = f"{label}{path.replace('/', '_')}.jpg"
                page.screenshot(path=shots / name, full_page=True, type="jpeg", quality=70)
                problems[f"{label} {path} ({shots / name})"] = found
    return problems, page


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_passes_csp_axe_and_fits_laptop_and_phone_widths(live_server, browser, shots):
    w = _world()
    # Long names, as real partners and plans have them, on the pages axe and the overflow check read.
    w["plan"].name = "Acme Integrators × Nimbus Cloud — FY27 joint business plan"
    w["plan"].save(update_fields=["name"])
    for name in ("Brightlane Systemintegration GmbH", "Koninklijke Datadienstverlening Nederland B.V."):
        partner = PartnerFactory(organization=w["org"], name=name, website=f"https://{name.split()[0].lower()}.example")
        partnership = PartnershipFactory(organization=w["org"], partner=partner)
        plan = PlanFactory(
            organization=w["org"], partnership=partnership, name=f"{name} × Nimbus Cloud — FY27 joint business plan"
        )
        objective = ObjectiveFactory(plan=plan, title="Grow the certified delivery capacity in the Benelux")
        for target, value in ((10, 1), (10, 5), (10, 9), (4, 4)):
            kr = KeyResultFactory(objective=objective, name="Certified engineers on the Nimbus platform", target=target)
            CheckInFactory(key_result=kr, value=value)
    base = live_server.url

    problems, page = _sweep(browser, base, shots, vendor_pages(w), a11y_vendor_pages(w), login=w["owner"].email)
    # The charts are drawn by static/js/pom.js from data attributes: no inline script needed.
    o = f"{base}/o/{w['org'].slug}"
    for path in (f"/plans/{w['plan'].pk}/", "/reports/", "/reports/dashboards/portfolio/"):
        page.goto(o + path)
        page.wait_for_selector(".chart .main-svg", timeout=10_000)
    # The plan's add forms load into their fold when it is opened (HTMX), under the same policy.
    page.goto(f"{o}/plans/{w['plan'].pk}/")
    page.click("#add details:last-of-type summary")
    page.wait_for_selector("#add details:last-of-type form input[name=title]", timeout=10_000)
    # Behaviour moved out of inline handlers still works: the API key field selects itself.
    page.goto(f"{o}/settings/api-keys/")
    page.fill("input[name=name]", "Warehouse sync")
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")  # pom.js (deferred) has attached its handlers
    page.click("#new-key")
    selected = page.evaluate("(f => f.selectionEnd - f.selectionStart)(document.getElementById('new-key'))")
    assert selected > 20

    found, _page = _sweep(browser, base, shots, guest_pages(w), a11y_guest_pages(w), login=w["guest"].email)
    problems |= found
    found, _page = _sweep(browser, base, shots, ANONYMOUS_PAGES, A11Y_ANONYMOUS_PAGES)
    problems |= found
    assert problems == {}, "\n" + _report(problems) + f"\nscreenshots: {shots}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_opens_menus_checks_in_and_the_swap_is_announced(live_server, browser):
    w = _world()
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _login(page, base, w["guest"].email)
    page.goto(f"{base}/w/{w['workspace'].public_id}/")
    focused = "document.activeElement"

    # The first Tab reaches the skip link, visibly; Enter moves focus past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate(f"{focused}.textContent.trim()") == "Skip to content"
    assert page.evaluate(f"getComputedStyle({focused}).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate(f"{focused}.id") == "main"

    # On a phone the menu button works from the keyboard, and a menu closes with Escape.
    assert not page.is_visible(".mainnav")
    page.focus("#nav-toggle")
    page.keyboard.press("Space")
    assert page.is_visible(".mainnav")
    menu = page.locator("details.menu").last
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("open") is not None
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert page.evaluate(f"{focused}.tagName") == "SUMMARY"

    # A check-in by keyboard alone: the swapped plan list is announced and focus lands on its message.
    page.locator("input[name=value]").first.focus()
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    page.keyboard.type("Seven certified")
    page.keyboard.press("Enter")
    page.wait_for_selector("#pom-live:has-text('Check-in posted')", state="attached")
    assert "Check-in posted" in page.evaluate(f"{focused}.textContent")
    # The stacked row names its columns for sighted phone users, the roles keep the table for screen readers.
    cell = page.locator("#ws-plans td[data-label]").first
    assert cell.get_attribute("data-label") and cell.get_attribute("role") == "cell"
    context.close()
