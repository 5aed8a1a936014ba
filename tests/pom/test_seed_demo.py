"""`make run` seeds the demo: the printed logins work, a second run keeps the data, the demo looks like a
real partner programme (each side's own people do their own work), and the admin shows every model.

Seeding is the expensive part, so the module seeds ONE database (`seeded`, module-scoped, rolled back
at the end) and every test reads it; the round trip, which empties the database, runs last. It seeds the
small demo (`seed_demo --size small`: 14 of the 40 partners, every kind of object and every invariant
the full one has); `test_the_small_portfolio_has_every_kind_of_partner_the_full_one_has` checks the part.
"""

import io
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from pom.models import ApiKey, AuditEvent, Membership, Organization, Role
from pom.models_security import OrgSecurity
from pom.models_webhooks import WebhookDelivery, WebhookEndpoint
from tests.pom.test_dataport import assert_round_trip


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once for this module inside a transaction rolled back afterwards; its output."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", "--size", "small", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def nimbus(seeded, db):
    return Organization.objects.get(slug="nimbus")


def test_the_small_portfolio_has_every_kind_of_partner_the_full_one_has():
    from partners.demo_data import PARTNERS, PROGRAMS, SMALL_PORTFOLIO

    small = [row for row in PARTNERS if row[0] in SMALL_PORTFOLIO]
    assert len(small) == len(SMALL_PORTFOLIO) < len(PARTNERS) / 2

    def kinds(rows):
        return {
            "types": {t for row in rows for t in row[2]},
            "archetypes": {row[3] for row in rows},
            "segments": {row[4] for row in rows},
            "regions": {row[6] for row in rows},
            "statuses": {row[10] for row in rows},
            "programs": {program for row in rows for program, _tier in row[11]},
            "in two programs": {len(row[11]) == 2 for row in rows},
        }

    assert kinds(small) == kinds(PARTNERS)
    assert {spec["name"] for spec in PROGRAMS} == kinds(small)["programs"]


def _logins(output: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\s+(\w[^@\n]*?)\s+(\S+@\S+)\s+(\S+)$", output, re.M)
    return {who: (email, password) for who, email, password in rows}


def test_the_printed_logins_work_and_the_output_is_only_logins(seeded, nimbus, client):
    roles = set(Membership.objects.filter(organization=nimbus).values_list("role", flat=True))
    assert roles == {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.VIEWER}
    logins = _logins(seeded)
    assert len(logins) >= 4
    email, password = logins["Admin"]
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, "demo e-mail addresses are verified, so login goes straight in"
    assert client.get(reverse("home"))["Location"] == reverse("dashboard", args=["nimbus"])
    assert client.get(reverse("org_members", args=["nimbus"])).status_code == 200
    # Nothing but the ready line, the URL, the logins and the TOTP note: no line per task.
    lines = [line for line in seeded.splitlines() if line.strip()]
    assert len(lines) <= len(logins) + 6, lines
    assert "http://127.0.0.1:8000/accounts/login/" in seeded


def test_a_staff_superuser_for_the_admin_is_printed(seeded, db, client):
    email, password = _logins(seeded)["Site admin (/admin/)"]
    assert client.login(email=email, password=password)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/workspaces/workspace/").status_code == 200


def test_issue_16_features_are_there_as_real_services_left_them(seeded, nimbus):
    endpoint = WebhookEndpoint.objects.for_org(nimbus).get(url="https://hooks.example.com/pom")
    deliveries = WebhookDelivery.objects.for_org(nimbus).filter(endpoint=endpoint)
    assert deliveries.count() >= 2 and not deliveries.filter(status="succeeded").exists()
    assert all(d.last_error and d.attempts == 1 for d in deliveries)  # the genuine error of a real attempt
    assert endpoint.previous_secret_encrypted  # rotated, the old secret still signing for the overlap
    policy = OrgSecurity.objects.for_org(nimbus).get()
    assert not policy.sso_enabled and policy.sso_issuer.startswith("https://") and policy.sso_email_domains
    assert ApiKey.objects.for_org(nimbus).filter(expires_at__isnull=False, replaced_by__isnull=False).exists()
    from allauth.mfa.utils import is_mfa_enabled

    sofia = Membership.objects.get(organization=nimbus, user__email="sofia.security@nimbus.example").user
    assert is_mfa_enabled(sofia) and "TOTP secret" in seeded
    verbs = set(AuditEvent.objects.for_org(nimbus).values_list("verb", flat=True))
    assert {"webhook.secret_rotated", "rotated"} <= verbs
    # Assessments: answered rounds from both sides over months, partner people answering as themselves.
    from partners.assessment_facts import trust_by_partnership
    from partners.models import AssessmentResponse, SatisfactionScore, Swot

    answers = AssessmentResponse.objects.for_org(nimbus)
    assert answers.filter(side="partner", respondent__memberships__isnull=True, respondent__isnull=False).exists()
    assert answers.filter(side="vendor").exists()
    assert answers.dates("submitted_at", "month").count() >= 3
    assert any(
        f.partner_side is not None and f.vendor_side is not None for f in trust_by_partnership(org=nimbus).values()
    )
    assert Swot.objects.for_org(nimbus).exists() and SatisfactionScore.objects.for_org(nimbus).count() >= 3


def _partner_people(org, partnership_id) -> set[int]:
    from workspaces.models import WorkspaceMember

    return set(
        WorkspaceMember.objects.for_org(org)
        .filter(side="partner", workspace__partnerships__pk=partnership_id)
        .values_list("user_id", flat=True)
    )


def test_partner_owned_key_results_are_checked_in_by_the_partners_people(seeded, nimbus):
    from plans.models import CheckIn

    partner_owned = CheckIn.objects.for_org(nimbus).filter(key_result__responsible_side="partner")
    assert partner_owned.count() >= 20
    members = set(Membership.objects.filter(organization=nimbus).values_list("user_id", flat=True))
    people: dict[int, set[int]] = {}
    for user_id, partnership_id in partner_owned.values_list("created_by_id", "plan__partnership_id"):
        assert user_id is not None and user_id not in members
        if partnership_id not in people:
            people[partnership_id] = _partner_people(nimbus, partnership_id)
        assert user_id in people[partnership_id], "checked in by a partner person of that partnership"
    vendor_owned = CheckIn.objects.for_org(nimbus).filter(key_result__responsible_side="vendor")
    assert set(vendor_owned.values_list("created_by_id", flat=True)) <= members
    # Shared key results: both sides take turns.
    shared = set(
        CheckIn.objects.for_org(nimbus)
        .filter(key_result__responsible_side="both")
        .values_list("created_by_id", flat=True)
    )
    assert shared & members and shared - members
    # And they comment on them as themselves.
    from workspaces.models import Comment

    assert Comment.objects.for_org(nimbus).filter(author__memberships__isnull=True).count() >= 10


def test_each_side_approves_plans_with_its_own_people(seeded, nimbus):
    from plans.models import Plan

    members = set(Membership.objects.filter(organization=nimbus).values_list("user_id", flat=True))
    approved = Plan.objects.for_org(nimbus).filter(partner_approved_by__isnull=False)
    assert approved.count() >= 5 and approved.filter(status="validated").count() == approved.count()
    for plan in approved:
        assert plan.vendor_approved_by_id in members
        assert plan.partner_approved_by_id not in members
        assert plan.partner_approved_by_id in _partner_people(nimbus, plan.partnership_id)
        assert not plan.partner_approval_note  # not recorded on the partner's behalf


def test_plans_are_named_for_what_they_are_with_meetings_of_every_kind(seeded, nimbus):
    from plans.models import Meeting, Plan, PlanTemplate

    names = list(Plan.objects.for_org(nimbus).values_list("name", flat=True))
    templates = set(PlanTemplate.objects.for_org(nimbus).values_list("name", flat=True))
    assert names and not set(names) & templates
    assert all(re.fullmatch(r".+ × Nimbus — FY\d\d .+ plan", name) for name in names), names[:3]
    kinds = set(Meeting.objects.for_org(nimbus).values_list("kind", flat=True))
    assert kinds == set(Meeting.Kind.values)


def test_share_links_deal_rooms_and_an_import_run(seeded, nimbus):
    from partners.models import ImportRun
    from workspaces.models import Workspace

    assert Workspace.objects.for_org(nimbus).filter(share_enabled=True).exists()
    room = Workspace.objects.for_org(nimbus).get(opportunity__isnull=False)
    assert room.partnerships.count() == 2
    run = ImportRun.objects.for_org(nimbus).get()
    assert run.status == "imported" and run.created_count == 2


def test_a_partner_person_sees_several_vendors_at_w(seeded, db, client):
    from workspaces.models import WorkspaceMember

    logins = _logins(seeded)
    partner_logins = [email for who, (email, _p) in logins.items() if who.startswith("Partner:")]
    assert partner_logins
    best = max(
        partner_logins,
        key=lambda e: WorkspaceMember.objects.filter(user__email=e).values("organization").distinct().count(),
    )
    vendors = set(
        WorkspaceMember.objects.filter(user__email=best, side="partner").values_list("organization__name", flat=True)
    )
    assert len(vendors) >= 3
    assert client.login(email=best, password=logins[next(w for w, (e, _p) in logins.items() if e == best)][1])
    page = client.get("/w/").content.decode()
    for vendor in vendors:
        assert vendor in page


def test_every_admin_changelist_and_a_change_page_load_with_bounded_queries(
    seeded, db, client, django_assert_max_num_queries
):
    """On the seeded demo: every registered model's list, with filters and search, and a change page per app."""
    from pom.models import User

    client.force_login(User.objects.get(email="root@pom.example"))
    ours = {"pom", "partners", "plans", "attribution", "workspaces", "reports"}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label in ours:
            assert model_admin.list_filter and model_admin.search_fields, meta.label
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        # One request per model: the list searched for "a" (most rows match) renders its rows, its
        # filters and both counts (filtered and total), the costlier form of the plain list.
        with django_assert_max_num_queries(25):
            response = client.get(url, {"q": "a"})
        assert response.status_code == 200, meta.label
    # A change page per app of POM's (each app's admin shares its forms and inlines machinery).
    for label in sorted(ours):
        model = next(m for m in admin.site._registry if m._meta.app_label == label and m._default_manager.exists())
        first = model._default_manager.order_by("pk").first()
        change = reverse(f"admin:{label}_{model._meta.model_name}_change", args=[first.pk])
        with django_assert_max_num_queries(40):
            assert client.get(change).status_code == 200, model._meta.label


def test_an_admin_save_is_audited_and_goes_through_the_service(seeded, nimbus, client):
    from pom.models import User

    root = User.objects.get(email="root@pom.example")
    client.force_login(root)
    url = reverse("admin:pom_organization_change", args=[nimbus.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "Nimbus Cloud BV", "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.for_org(nimbus).filter(actor_user=root, object_type="pom.organization").latest("id")
    assert event.changes["name"] == ["Nimbus Cloud", "Nimbus Cloud BV"]


def test_seeding_again_keeps_the_data_and_the_demo_round_trips(seeded, nimbus, tmp_path):
    """Last in the module: the round trip empties the database."""
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "exists; use --reset" in again.getvalue()
    assert Organization.objects.filter(slug="nimbus").count() == 1
    # The demo round-trips through org_export / org_import into an emptied database (tests/pom/test_dataport.py).
    tables = assert_round_trip(nimbus, tmp_path)
    assert sum(t["rows"] for t in tables.values()) > 200
    assert len([t for t in tables.values() if t["rows"]]) > 25
