"""Extension points other apps plug into without `pom` importing them.

Each hook is a module `<app>.<name>` found by name, called in app order:
- `defaults.org_defaults(org=)`: seed per-org defaults when an organization is created;
- `demo.seed(ctx)`: add demo data (see `pom.management.commands.seed_demo.DemoContext`);
- `dashboard.dashboard_cards(org=)`: a list of {"title", "value", "url", "hint"} for the dashboard;
- `home.home_url(user=)`: where a signed-in user without a membership belongs, or None;
- `tabs.PARTNER_TABS`: extra partner-page tabs, each {"slug", "label", "order", "url_name"},
  where `url_name` takes (org_slug, partner_pk) and returns an HTML fragment;
- `digest_facts.facts(org=, partnership_ids=, today=)`: {partnership_id: {...}} extra facts for digests
  and next-best-action rules (see docs/digests.md; reports adds TACAM scores and score changes);
- `nba_rules.RULES`: next-best-action rules, pure functions `rule(facts, today) -> [Proposal]` made with
  `workspaces.nba_rules.rule(code=, title=)`, whose docstring is their rationale;
- `facts.partnership_revenue(org=, partnership_ids=, start=, end=)`: credited won revenue (see below).

`on_org_created(org)` calls `<app>.defaults.org_defaults(org=org)` for each local app that
has one (partner taxonomy, journey templates, plan templates, influence types…).
"""

from functools import cache
from importlib import import_module
from importlib.util import find_spec

LOCAL_APPS = ["partners", "plans", "attribution", "workspaces", "reports"]


@cache
def app_modules(name: str) -> tuple:
    """The `<app>.<name>` modules that exist, in app order; looked up once per process."""
    return tuple(import_module(f"{app}.{name}") for app in LOCAL_APPS if find_spec(f"{app}.{name}") is not None)


def on_org_created(org) -> None:
    for module in app_modules("defaults"):
        module.org_defaults(org=org)


def demo_modules():
    """`<app>.demo` modules in dependency order; each has `seed(ctx)`."""
    return list(app_modules("demo"))


def partner_tabs():
    """Extra tabs for the partner page contributed by higher apps: `<app>.tabs.PARTNER_TABS`."""
    tabs = []
    for module in app_modules("tabs"):
        tabs.extend(getattr(module, "PARTNER_TABS", []))
    return sorted(tabs, key=lambda t: t["order"])


def emit(event: str, **payload) -> None:
    """Tell higher apps that something happened, inside the caller's transaction.

    Each `<app>.events` module with `handle(event, **payload)` is called; it ignores events it
    does not know. Events and their payload (all keyword, `org` and `actor` always present):
    - "partnership.created": partnership
    - "plan.checkin_posted": plan, key_result, checkin
    - "plan.activity_done": plan, activity
    - "plan.validated": plan
    - "registration.submitted" / "registration.decided": registration
    - "certification.created": certification (partners: points for certifications)
    - "opportunity.won": opportunity, partnership_ids (every partnership on the deal, when it turns won)
    - "tier.changed": partnership, move (a `partners.TierMove` applied; workspaces tells the partner)
    - "points.awarded": partnership, entries (ledger lines written automatically)
    - "commission.statement_approved" / "commission.statement_paid": statement
    - "mdf.request_submitted" / "mdf.request_decided" / "mdf.claim_submitted" / "mdf.claim_decided" /
      "mdf.reimbursed": request
    - "solution.idea_submitted" / "solution.vetted" / "solution.step_changed": solution (and step)
    - "assessment.answered": partnership, response (a `partners.AssessmentResponse` just submitted;
      `actor` is the respondent's user, or None when answered from a link sent to a contact without one)
    Handlers must be cheap (create rows, enqueue tasks with on_commit), never send mail inline.

    Then the organization's webhook endpoints subscribed to the event get a delivery (see
    `pom.webhook_events`: an event is sent once it is declared there or in `<app>.events.WEBHOOK_EVENTS`).
    """
    for module in app_modules("events"):
        handler = getattr(module, "handle", None)
        if handler is not None:
            handler(event, **payload)
    from pom.webhooks import webhooks_on_event  # lazy: webhooks imports models, hooks must not

    webhooks_on_event(event, **payload)


def partnership_guest_user_ids(*, org, partnership) -> set[int]:
    """Ids of partner people (non-members) who may be assigned work on this partnership.

    Filled by `<app>.access.partnership_guest_user_ids(org=, partnership=)` (workspaces adds the
    partner-side members of the partnership's workspaces).
    """
    ids: set[int] = set()
    for module in app_modules("access"):
        ids |= set(module.partnership_guest_user_ids(org=org, partnership=partnership))
    return ids


def partnership_revenue(*, org, partnership_ids, start, end) -> dict[int, dict]:
    """Won revenue credited to each partnership with a close date in [start, end]: {id: {currency: Decimal}}.

    Filled by `<app>.facts.partnership_revenue(org=, partnership_ids=, start=, end=)` (attribution reads
    its credit ledger); `partners` uses it to evaluate revenue requirements of tiers without importing
    a higher app. Without such a module every partnership has no revenue.
    """
    totals: dict[int, dict] = {}
    for module in app_modules("facts"):
        for pid, by_currency in module.partnership_revenue(
            org=org, partnership_ids=partnership_ids, start=start, end=end
        ).items():
            bucket = totals.setdefault(pid, {})
            for currency, amount in by_currency.items():
                bucket[currency] = bucket.get(currency, 0) + amount
    return totals
