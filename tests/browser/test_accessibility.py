"""In a real browser, at a laptop's 1366 px and a phone's 390 px: every main page passes axe-core's
WCAG 2.1 A/AA rules with no serious or critical violation, and nothing on it runs off the side of the
screen (the document does not scroll sideways and no element is wider than the viewport).

axe-core is shipped in tests/browser/vendor/axe-core/ (no CDN). Screenshots of every page at both
widths land in a temporary directory whose path the failure message names. See docs/accessibility.md.
"""

import os
import pathlib
import tempfile

import pytest
from django.db import connections

from tests.browser.test_csp import _world
from tests.browser.test_workspace_flow import CHROMIUM, _login
from tests.factories import (
    CheckInFactory,
    KeyResultFactory,
    ObjectiveFactory,
    PartnerFactory,
    PartnershipFactory,
    PlanFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = (pathlib.Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Elements wider than the viewport, or sticking out of it without an ancestor that clips them; only
# the outermost offender of a subtree is named, with a selector-like path to find it.
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
def chromium():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: apt-get install chromium (see `make browser-deps`).")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], headless=True
        )
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture(scope="module")
def shots():
    return pathlib.Path(tempfile.mkdtemp(prefix="pom-a11y-"))


def _check_pages(chromium, base, shots, paths, *, login=None) -> dict[str, list[str]]:
    """Visit each path at both widths: axe violations and overflow, keyed by "width path (screenshot)"."""
    problems: dict[str, list[str]] = {}
    context = chromium.new_context()
    # axe-core is served as a same-origin script (the page's Content-Security-Policy allows 'self'),
    # so Chromium compiles it once and reuses the code on every page.
    context.route(f"{base}/__axe.min.js", lambda route: route.fulfill(body=AXE, content_type="text/javascript"))
    page = context.new_page()
    if login:
        _login(page, base, login)
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            response = page.goto(base + path)
            page.wait_for_load_state("load")
            found = [f"HTTP {response.status}"] if response.status >= 400 else []
            found += page.evaluate(FIND_OVERFLOW)
            page.add_script_tag(url=f"{base}/__axe.min.js")
            found += page.evaluate(RUN_AXE, AXE_TAGS)
            name = f"{label}{path.replace('/', '_')}.jpg"
            page.screenshot(path=shots / name, full_page=True, type="jpeg", quality=70)
            if found:
                problems[f"{label} {path} ({shots / name})"] = found
    context.close()
    return problems


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


def _vendor_pages(w) -> list[str]:
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
        f"{o}/settings/",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_pass_axe_and_fit_laptop_and_phone_widths(live_server, chromium, shots):
    w = _world()
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
    problems = _check_pages(chromium, base, shots, _vendor_pages(w), login=w["owner"].email)
    problems |= _check_pages(chromium, base, shots, ["/w/", f"/w/{w['workspace'].public_id}/"], login=w["guest"].email)
    problems |= _check_pages(chromium, base, shots, ["/accounts/login/"])
    assert problems == {}, "\n" + _report(problems) + f"\nscreenshots: {shots}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_opens_menus_checks_in_and_the_swap_is_announced(live_server, chromium):
    w = _world()
    base = live_server.url
    context = chromium.new_context(viewport={"width": 390, "height": 844})
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
