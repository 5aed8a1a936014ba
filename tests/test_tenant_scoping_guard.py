"""Tenant models are read through `for_org`, never bare `.objects`, in every module that reads them.

Views and API modules, services, selectors, filters, tasks and the other modules of each app are
guarded (migrations, admin, management commands and demo builders run as the database owner).
A failing test names the file, the line and the model: route the read through a selector or
`Model.objects.for_org(org)`, correlate a subquery with `organization=OuterRef("organization")`, or,
for a genuinely cross-tenant lookup, add it to `CROSS_TENANT` with a one-line reason (and run it
inside `pom.rls.all_organizations(...)` so row-level security lets it through).
"""

import re
from pathlib import Path

from django.apps import apps

from pom.models import Membership, OrgOwned

ROOT = Path(__file__).resolve().parent.parent
LOCAL_APPS = ["pom", "partners", "plans", "attribution", "workspaces", "reports"]
UNGUARDED_DIRS = {"migrations", "management", "templatetags"}
UNGUARDED_FILE = re.compile(r"^(admin|benchmark_admin|apps|models\w*|demo\w*|\w*_demo|demo_\w+)\.py$")

# Declaring a scoped field's base queryset is not a read: OrgScopedPK narrows it per request.
ALLOWED = re.compile(r"queryset=\w+\.objects(\.all\(\)|(?=[,)\s]))|\w+\.objects\.none\(\)")
# Writes: the row carries its organization (and row-level security checks it on PostgreSQL).
WRITES = re.compile(r"\.objects\.(create|bulk_create|bulk_update)\(")
# get_or_create / update_or_create name the organization in their lookup.
SCOPED_UPSERT = re.compile(r"\.objects\.(get_or_create|update_or_create)\(\s*organization(_id)?=")
# A correlated subquery bound to the outer row's organization.
CORRELATED = re.compile(r"organization(_id)?=OuterRef\(")

# The genuinely cross-tenant lookups: (file, text on the line) -> why it may not be scoped.
CROSS_TENANT = {
    ("pom/selectors.py", "ApiKey.objects.select_related"): "an API key is found by its hash before its org is known",
    ("pom/services.py", "OrgInvitation.objects.select_related"): "an invitation is found by its token's hash",
    ("pom/services.py", "OrgInvitation.objects.select_for_update"): "accepting locks the invitation found by token",
    ("pom/services.py", "ApiKey.objects.filter(pk=key.pk)"): "last use of the key that just authenticated",
    ("pom/sso.py", "OrgSecurity.objects.filter(sso_enabled=True)"): "sign-in finds the SSO config by e-mail domain",
    ("pom/tenancy.py", "Membership.objects.select_related"): "a user's own memberships, narrowed to the URL's slug",
    ("pom/selectors.py", "Membership.objects.filter(user=user"): "a user's own memberships (their organizations)",
    ("pom/privacy.py", "Membership.objects.filter(user=user"): "a user's own memberships (account deletion, export)",
    ("pom/security.py", "Membership.objects.filter(user=user"): "a user's own memberships (second-factor policy)",
    ("partners/selectors.py", 'Partnership.objects.select_related("program", "tier"'): "prefetch of scoped partners",
    ("pom/jobs.py", "Job.objects.filter"): "the job runner reclaims expired leases across organizations",
    ("pom/privacy.py", "OrgDeletion.objects.filter"): "the deletion sweep finds due deletions across organizations",
    ("pom/webhooks.py", "WebhookDelivery.objects.filter"): "the delivery sweep finds due deliveries across orgs",
    ("partners/assessment_answers.py", "AssessmentInvitation.objects.select_related"): "a respondent's token",
    ("partners/assessment_services.py", "AssessmentCampaign.objects.filter"): "periodic fan-out per organization",
    ("partners/points.py", "PointEntry.objects.filter"): "the nightly expiry sweep across organizations",
    ("attribution/runs.py", "AttributionRun.objects.filter"): "the scheduler fans out due runs per organization",
    ("attribution/tasks.py", "CommissionRule.objects.filter"): "periodic fan-out: organizations with active rules",
    ("attribution/tasks.py", "AccountMap.objects.filter"): "periodic fan-out: opted-in account maps",
    ("workspaces/action_links.py", "ActionLink.objects.select_related"): "an e-mail action link is found by token",
    (
        "workspaces/action_links.py",
        "ActionLink.objects.select_for_update",
    ): "using the link locks the row found by token",
    ("workspaces/digest_services.py", "Workspace.objects.values"): "periodic fan-out: organizations with workspaces",
    ("workspaces/nba_services.py", "Workspace.objects.values"): "periodic fan-out: organizations with workspaces",
    ("workspaces/home.py", "WorkspaceMember.objects.filter(user=user"): "a person's own workspace memberships",
    ("reports/packs_tasks.py", "Partnership.objects.values_list"): "year-end fan-out: organizations with partners",
    ("reports/tasks.py", "Partner.objects.values_list"): "nightly fan-out: organizations with partners",
    ("reports/schedules.py", "ReportSubscription.objects.filter"): "the beat finds due subscriptions across orgs",
    ("workspaces/selectors.py", "Workspace.objects.select_related"): "a guest's workspace by public id or share token",
    ("workspaces/selectors.py", "Workspace.objects.filter(members__user=user"): "a partner person's own workspaces",
    ("workspaces/selectors.py", "WorkspaceInvitation.objects.select_related"): "an invitation by its token's hash",
    ("workspaces/selectors.py", "WorkspacePartnership.objects.filter("): "a person's workspaces across vendors",
    ("workspaces/selectors.py", "Notification.objects.filter(user="): "a user's own notifications",
    ("workspaces/notification_services.py", "Notification.objects"): "a user's own notifications (read, e-mail claims)",
    (
        "workspaces/invitation_services.py",
        "WorkspaceInvitation.objects.select_for_update",
    ): "accepting locks the invitation",
    (
        "workspaces/invitation_services.py",
        "WorkspaceMember.objects.get_or_create",
    ): "joining by invitation: workspace and org set",
    ("reports/tasks.py", "Partnership.objects.values_list"): "periodic fan-out: organizations with partnerships",
    ("reports/benchmark_tasks.py", "Partnership.objects.values_list"): "periodic fan-out: organizations to benchmark",
    ("reports/benchmarks/compute.py", "BenchmarkContribution.objects.filter"): "the cross-tenant benchmark pools",
}


def _tenant_model_names() -> set[str]:
    return {m.__name__ for m in apps.get_models() if issubclass(m, OrgOwned)} | {Membership.__name__}


def _pattern() -> re.Pattern:
    return re.compile(r"\b(" + "|".join(sorted(_tenant_model_names())) + r")\.objects\.(?!for_org\b)(\w+)")


def _guarded_files() -> list[Path]:
    files = []
    for app in LOCAL_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if UNGUARDED_DIRS & set(path.relative_to(ROOT).parts) or UNGUARDED_FILE.match(path.name):
                continue
            files.append(path)
    return files


def _is_allowed(rel: str, statement: str) -> bool:
    if WRITES.search(statement) or SCOPED_UPSERT.search(statement) or CORRELATED.search(statement):
        return True
    return any(rel == path and text in statement for path, text in CROSS_TENANT)


def offenders() -> list[str]:
    pattern = _pattern()
    found = []
    for path in _guarded_files():
        rel = str(path.relative_to(ROOT))
        lines = path.read_text().splitlines()
        for lineno, line in enumerate(lines, 1):
            for match in pattern.finditer(ALLOWED.sub("", line)):
                # the statement: this line and the next two (arguments wrapped by the formatter)
                statement = line[match.start() :] + " ".join(s.strip() for s in lines[lineno : lineno + 2])
                if not _is_allowed(rel, statement):
                    found.append(f"{rel}:{lineno}: {match.group(0)}")
    return found


def test_tenant_models_are_read_only_through_for_org():
    found = offenders()
    assert not found, "Tenant reads without for_org (see this module's docstring):\n" + "\n".join(found)


def test_every_cross_tenant_entry_is_still_used_and_has_a_reason():
    used = set()
    for path in _guarded_files():
        rel = str(path.relative_to(ROOT))
        text = path.read_text()
        used |= {(p, t) for p, t in CROSS_TENANT if p == rel and t in text}
    assert set(CROSS_TENANT) == used, f"stale allow-list entries: {set(CROSS_TENANT) - used}"
    assert all(reason.strip() for reason in CROSS_TENANT.values())


def test_guard_catches_a_bare_lookup():
    pattern = _pattern()
    assert pattern.search("Partner.objects.get(pk=1)")
    assert pattern.search("Membership.objects.filter(organization=org)")
    assert not pattern.search("Partner.objects.for_org(org).get(pk=1)")
    assert not pattern.search(ALLOWED.sub("", "OrgScopedPK(queryset=Partner.objects.all())"))
    assert pattern.search(ALLOWED.sub("", "queryset=Partner.objects.filter(name='x')"))
    assert not _is_allowed("partners/services.py", "Partner.objects.select_for_update().get(pk=1)")
    assert _is_allowed("partners/services.py", 'Contact.objects.filter(organization=OuterRef("organization"))')
    assert _is_allowed("partners/services.py", "Contact.objects.create(organization=org)")
    assert not _is_allowed("partners/services.py", "ApiKey.objects.select_related('organization')")
