"""PostgreSQL row-level security, the second wall behind `for_org` (pom/rls.py, docs/tenancy.md).

Each test switches the test transaction to the application role (owns nothing, not superuser: a
superuser skips every policy) with `SET LOCAL ROLE`, so the policies installed by `migrate` apply.
"""

import pytest
from celery import shared_task
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from partners import selectors as partner_selectors
from partners.models import Partner
from pom import rls
from pom.models import OrgQuerySet
from tests.factories import (
    PartnerFactory,
    PartnershipFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

APP_ROLE = "pom_app"


@pytest.fixture
def app_role(db, settings):
    """The transaction works as the application role from here on; the test transaction undoes it."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")  # CI runs the suite on PostgreSQL
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [APP_ROLE])
        already = cursor.fetchone()[0]  # the whole suite runs as the app role (POM_DB_APP_ROLE)
    if not already:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
                " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
        rls.grant(connection, APP_ROLE)  # inside the test transaction (migrate installed the policies)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute("SELECT set_config('pom.all_orgs', '', true)")  # the suite's switch lifts it for setup
    yield APP_ROLE


@pytest.fixture
def two_tenants(org, other_org):
    return PartnerFactory(organization=org, name="Ours"), PartnerFactory(organization=other_org, name="Theirs")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_every_tenant_table_has_a_forced_policy_and_every_other_table_is_listed(db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id'
                           AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            """,
            [rls.POLICY],
        )
        rows = cursor.fetchall()
    unguarded = [
        name for name, enabled, forced, policy, tenant in rows if tenant and not (enabled and forced and policy)
    ]
    unlisted = [
        name for name, *_flags, tenant in rows if not tenant and not name.startswith(tuple(rls.GLOBAL_TABLE_PREFIXES))
    ]
    assert {"partners_partner", "partners_partnertypelink", "plans_meetingvendorattendee", "pom_membership"} <= {
        name for name, *_flags, tenant in rows if tenant
    }
    assert not [t for t in rls.CROSS_TENANT_TABLES if t in unguarded], "cross-tenant tables are listed, not guarded"
    unguarded = [t for t in unguarded if t not in rls.CROSS_TENANT_TABLES]
    assert not unguarded, f"tenant tables without a forced RLS policy: {unguarded}"
    assert not unlisted, f"tables with no organization_id and no reason in rls.GLOBAL_TABLE_PREFIXES: {unlisted}"


def test_a_raw_query_without_an_organization_sees_no_rows(two_tenants, app_role):
    assert _count("partners_partner") == 0
    ours, _theirs = two_tenants
    with rls.scope(org_ids=[ours.organization_id]):
        assert _count("partners_partner") == 1
    assert _count("partners_partner") == 0  # the scope ends with its block


def test_a_selector_with_its_filter_removed_leaks_nothing(two_tenants, app_role, monkeypatch):
    ours, _theirs = two_tenants
    monkeypatch.setattr(OrgQuerySet, "for_org", lambda self, org: self)  # the door forgotten
    with rls.scope(org_ids=[ours.organization_id]):
        names = [p.name for p in partner_selectors.partner_list(org=ours.organization)]
    assert names == ["Ours"]


def test_a_write_into_another_organization_is_refused(two_tenants, app_role, other_org):
    ours, theirs = two_tenants
    with rls.scope(org_ids=[ours.organization_id]):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Partner.objects.create(organization=other_org, name="Planted")
        assert Partner.objects.filter(pk=theirs.pk).update(name="Renamed") == 0
    with rls.all_organizations("test: read back as the owner would"):
        assert Partner.objects.get(pk=theirs.pk).name == "Theirs"


@shared_task
def _partner_names(organization_id: int) -> list[str]:
    """A task that forgets the door: it reads every partner it can see."""
    return sorted(Partner.objects.values_list("name", flat=True))


def test_a_task_for_one_organization_cannot_read_another_organizations_rows(two_tenants, app_role):
    ours, theirs = two_tenants
    assert _partner_names.apply(args=[ours.organization_id]).get() == ["Ours"]
    assert _partner_names.apply(kwargs={"organization_id": theirs.organization_id}).get() == ["Theirs"]
    assert _count("partners_partner") == 0  # the task's scope ended with it


def test_an_organization_page_shows_its_rows_with_the_same_queries(
    org, two_tenants, member_client, django_assert_num_queries, app_role
):
    url = reverse("partners:list", args=[org.slug])
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the same request as a superuser, to count its queries
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        assert member_client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
    with django_assert_num_queries(len(baseline)):
        response = member_client.get(url)
    assert response.status_code == 200
    assert "Ours" in response.text and "Theirs" not in response.text


def test_a_partner_person_sees_exactly_their_workspaces_organizations(org, other_org, client_for, app_role):
    with rls.all_organizations("test: build both tenants' rows"):
        link = WorkspacePartnershipFactory(
            partnership=PartnershipFactory(organization=org), workspace__organization=org, workspace__name="Joint"
        )
        guest = WorkspaceMemberFactory(workspace=link.workspace, side="partner", role="editor").user
        foreign = WorkspacePartnershipFactory(
            partnership=PartnershipFactory(organization=other_org), workspace__organization=other_org
        ).workspace
    client = client_for(guest)
    home = client.get(reverse("workspaces:home"))
    assert home.status_code == 200 and "Joint" in home.text
    assert client.get(reverse("workspaces:detail", args=[link.workspace.public_id])).status_code == 200
    assert client.get(reverse("workspaces:detail", args=[foreign.public_id])).status_code == 404


def test_an_api_key_reads_its_own_organization_under_rls(org, two_tenants, api_key_client, app_role):
    with rls.all_organizations("test: the key is created by its owner"):
        client = api_key_client("read")
    response = client.get(reverse("partners-api:partner-list", args=[org.slug]))
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Ours"]


def test_every_cross_tenant_task_exists_and_every_other_task_takes_an_organization():
    import inspect

    from pom.celery import app
    from pom.rls_hooks import CROSS_TENANT_TASKS

    app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in app.tasks.items()
        if name.split(".")[0] in {"pom", "partners", "plans", "attribution", "workspaces", "reports"}
    }
    assert set(CROSS_TENANT_TASKS) <= set(ours), "stale names in CROSS_TENANT_TASKS"
    without_org = {
        name for name, task in ours.items() if "organization_id" not in inspect.signature(task.run).parameters
    }
    assert without_org - set(CROSS_TENANT_TASKS) <= {"pom.tasks.send_email"}  # mail only: reads no tenant rows


def test_a_member_reads_the_api_under_rls(org, two_tenants, api_client, app_role):
    response = api_client.get(reverse("partners-api:partner-list", args=[org.slug]))
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Ours"]


# Who else sets the scope: management commands, the Django admin, the benchmark job --------------


def test_org_export_reads_its_organization_under_rls(two_tenants, app_role, tmp_path):
    import io

    from django.core.management import call_command

    from pom import dataport

    ours, _theirs = two_tenants
    archive = tmp_path / "ours.tar.gz"
    call_command("org_export", ours.organization.slug, str(archive), stdout=io.StringIO())
    tables = dataport.archive_tables(archive.read_bytes())
    assert tables["partners.partner"]["rows"] == 1  # its own partner, not the other tenant's
    assert _count("partners_partner") == 0  # the command's scope ended with it


def test_org_import_writes_its_organization_under_rls(org, two_tenants, app_role, tmp_path):
    import io

    from django.core.management import call_command

    from pom.models import Organization
    from tests.pom.test_dataport import wipe_database

    archive = tmp_path / "ours.tar.gz"
    call_command("org_export", org.slug, str(archive), stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # emptying the database is the owner's (TRUNCATE)
    wipe_database()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        cursor.execute("SELECT set_config('pom.all_orgs', '', true)")
    out = io.StringIO()
    call_command("org_import", str(archive), stdout=out)
    assert "Imported Nimbus Cloud" in out.getvalue()
    imported = Organization.objects.get(slug=org.slug)
    with rls.scope(org_ids=[imported.pk]):
        assert [p.name for p in Partner.objects.for_org(imported)] == ["Ours"]
    assert _count("partners_partner") == 0


def test_the_django_admin_works_across_organizations_for_a_superuser_and_says_so(
    two_tenants, app_role, client_for, caplog
):
    from tests.factories import UserFactory

    operator = UserFactory(email="operator@pom.example", is_staff=True, is_superuser=True)
    url = reverse("admin:partners_partner_changelist")
    with caplog.at_level("INFO", logger="pom.rls"):
        page = client_for(operator).get(url)
    assert page.status_code == 200
    assert "Ours" in page.text and "Theirs" in page.text  # every organization's rows, explicitly
    logged = [r.getMessage() for r in caplog.records if r.name == "pom.rls"]
    assert logged == [
        f"all organizations: Django admin request by superuser operator@pom.example (id {operator.pk}): GET {url}"
    ]
    assert _count("partners_partner") == 0  # the request's scope ended with it


def test_staff_without_superuser_status_and_other_pages_get_no_cross_tenant_scope(
    org, two_tenants, app_role, client_for, caplog
):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_partner"))
    superuser = UserFactory(is_staff=True, is_superuser=True)
    with caplog.at_level("INFO", logger="pom.rls"):
        page = client_for(clerk).get(reverse("admin:partners_partner_changelist"))
        assert page.status_code == 200
        assert "Ours" not in page.text and "Theirs" not in page.text  # staff see no tenant rows
        # outside the admin a superuser is a person like any other: no membership, no organization
        assert client_for(superuser).get(reverse("partners:list", args=[org.slug])).status_code == 404
    assert not [r for r in caplog.records if r.name == "pom.rls"]


def test_the_benchmark_job_pools_every_opted_in_organization_inside_one_organizations_task(app_role):
    """The per-organization job reads the cross-tenant pools explicitly; nothing else of the others."""
    from reports.benchmark_models import BenchmarkContribution
    from reports.benchmarks.compute import contributions_all
    from tests.factories import OrganizationFactory

    with rls.all_organizations("test: contributions of three organizations"):
        orgs = [OrganizationFactory(benchmark_opt_in=True) for _ in range(2)] + [OrganizationFactory()]
        for o in orgs:
            BenchmarkContribution.objects.create(organization=o, metric="win_rate", value="0.5", as_of="2026-12-01")
    with rls.scope(org_ids=[orgs[0].pk]):
        pooled = sorted(org_id for org_id, *_rest in contributions_all())
        assert BenchmarkContribution.objects.count() == 1  # outside the pool read: its own row only
    assert pooled == sorted(o.pk for o in orgs[:2])  # the opted-in ones, the other left out
