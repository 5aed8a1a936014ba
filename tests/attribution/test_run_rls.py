"""An attribution run under row-level security (issue 15): the application role owns nothing, may not
create tables, and COPY FROM refuses a table its policies apply to; the run still COPYs its rows into
its own staging table and swaps it in (attribution.ledger, migration 0011), and the partition it
leaves is guarded like every tenant table."""

import pytest
from django.db import DatabaseError, connection, transaction

from attribution import runs
from attribution.models import AttributionRun, CreditAllocation
from pom import rls
from tests.attribution.test_run_faults import _adds_up, _pipeline
from tests.factories import PartnershipFactory

APP_ROLE = "pom_app"


def _as_app_role() -> None:
    """From here on the test transaction works as the application role, nothing in scope (test data is
    built before, with the suite's wall lifted)."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")  # CI runs the suite on PostgreSQL
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [APP_ROLE])
        already = cursor.fetchone()[0]  # the whole suite runs as the app role (POM_DB_APP_ROLE)
    if not already:
        _create_app_role()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute("SELECT set_config('pom.all_orgs', '', true)")


def _create_app_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    rls.grant(connection, APP_ROLE)


def _partition_guard(org) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                      EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s)
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'attribution_creditallocation'::regclass AND c.relname LIKE %s""",
            [rls.POLICY, f"attribution\\_ledger\\_{org.id}\\_%"],
        )
        return cursor.fetchall()


def test_a_run_as_the_app_role_swaps_in_a_guarded_partition_twice(org, other_org):
    _pipeline(org, [PartnershipFactory(organization=org), PartnershipFactory(organization=org)])
    _pipeline(other_org, [PartnershipFactory(organization=other_org)])
    if connection.vendor != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")
    theirs = runs.attribution_run_execute(org=other_org, run=AttributionRun.objects.create(organization=other_org))
    assert theirs.status == "done", theirs.error
    _as_app_role()
    with transaction.atomic(), rls.scope(org_ids=[org.id]):
        for _ in range(2):  # the second run replaces the first one's partition
            run = runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))
            assert run.status == "done", run.error
            assert CreditAllocation.objects.for_org(org).count() == run.allocations_count > 0
            assert set(CreditAllocation.objects.for_org(org).values_list("run_id", flat=True)) == {run.id}
            assert _adds_up(org)
            assert _partition_guard(org) == [(runs._stage_name(org.id, run.id, 1), True, True, True)]
            assert runs._ledger_tables(org.id)[1] == []  # no staging table left behind
        # the other organization's ledger is neither visible nor touched
        assert CreditAllocation.objects.filter(organization=other_org).count() == 0
    with transaction.atomic(), rls.scope(org_ids=[other_org.id]):
        assert CreditAllocation.objects.for_org(other_org).count() == theirs.allocations_count


def test_the_ledger_functions_refuse_an_organization_outside_the_scope(org, other_org):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security needs PostgreSQL")
    run = AttributionRun.objects.create(organization=other_org, status="running", attempts=1)
    _as_app_role()
    with rls.scope(org_ids=[org.id]):
        for sql, args in (
            ("SELECT pom_ledger_stage_create(%s, %s, 1)", [other_org.id, run.id]),
            ("SELECT pom_ledger_stage_swap(%s, %s, 1)", [other_org.id, run.id]),
            ("SELECT pom_ledger_stage_drop(%s)", [runs._stage_name(other_org.id, run.id, 1)]),
            ("SELECT pom_ledger_stage_drop(%s)", ["attribution_creditallocation_default"]),
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, args)
        # nor may it pass its own organization with another organization's run
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pom_ledger_stage_create(%s, %s, 1)", [org.id, run.id])
