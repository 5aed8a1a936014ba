"""`Partner.partnership_count`: each partner's number of partnerships, kept by the database.

The partner list sorts by it (and the API lists it); counting per row at read time cost a subquery per
partner when sorting (506 ms at 10,000 partners, docs/performance.md). Triggers on partners_partnership
keep the column right for every writer: the services, the import, the admin, cascades and bulk rows
alike. A partnership's insert adds one to its partner, its delete takes one off, moving it to another
partner moves the one. `Partner.save()` never writes the column, so a partner object loaded before a
partnership was added cannot put back a stale number.

`install()` runs in the migration that added the column and again after every `migrate` (idempotent):
SQLite drops a table's triggers when a later migration rebuilds that table. `recount()` recomputes
every stored count from the rows (the migration's backfill, after every `migrate`, and a repair after
manual SQL); it writes only the rows that are wrong.
"""

from __future__ import annotations

from pom import rls

_POSTGRES = """
CREATE OR REPLACE FUNCTION partners_partnership_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    UPDATE partners_partner SET partnership_count = partnership_count + 1 WHERE id = NEW.partner_id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE partners_partner SET partnership_count = partnership_count - 1 WHERE id = OLD.partner_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS partners_partnership_count_rows ON partners_partnership;
CREATE TRIGGER partners_partnership_count_rows AFTER INSERT OR DELETE ON partners_partnership
  FOR EACH ROW EXECUTE FUNCTION partners_partnership_count();
DROP TRIGGER IF EXISTS partners_partnership_count_move ON partners_partnership;
CREATE TRIGGER partners_partnership_count_move AFTER UPDATE OF partner_id ON partners_partnership
  FOR EACH ROW WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id)
  EXECUTE FUNCTION partners_partnership_count();
"""

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS partners_partnership_count_insert AFTER INSERT ON partners_partnership
    BEGIN UPDATE partners_partner SET partnership_count = partnership_count + 1 WHERE id = NEW.partner_id; END""",
    """CREATE TRIGGER IF NOT EXISTS partners_partnership_count_delete AFTER DELETE ON partners_partnership
    BEGIN UPDATE partners_partner SET partnership_count = partnership_count - 1 WHERE id = OLD.partner_id; END""",
    """CREATE TRIGGER IF NOT EXISTS partners_partnership_count_move AFTER UPDATE OF partner_id
    ON partners_partnership WHEN OLD.partner_id IS NOT NEW.partner_id
    BEGIN
      UPDATE partners_partner SET partnership_count = partnership_count + 1 WHERE id = NEW.partner_id;
      UPDATE partners_partner SET partnership_count = partnership_count - 1 WHERE id = OLD.partner_id;
    END""",
]

_UNINSTALL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS partners_partnership_count_rows ON partners_partnership",
        "DROP TRIGGER IF EXISTS partners_partnership_count_move ON partners_partnership",
        "DROP FUNCTION IF EXISTS partners_partnership_count()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS partners_partnership_count_insert",
        "DROP TRIGGER IF EXISTS partners_partnership_count_delete",
        "DROP TRIGGER IF EXISTS partners_partnership_count_move",
    ],
}

_RECOUNT = """
UPDATE partners_partner SET partnership_count = (
  SELECT count(*) FROM partners_partnership WHERE partners_partnership.partner_id = partners_partner.id
)
WHERE partnership_count <> (
  SELECT count(*) FROM partners_partnership WHERE partners_partnership.partner_id = partners_partner.id
)
"""


def _statements(connection) -> list[str]:
    if connection.vendor == "postgresql":
        return [_POSTGRES]
    if connection.vendor == "sqlite":
        return list(_SQLITE)
    raise NotImplementedError(f"partnership count triggers for {connection.vendor}")


def install(connection) -> None:
    """Create (or replace) the triggers that keep `partnership_count` right."""
    with connection.cursor() as cursor:
        for statement in _statements(connection):
            cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _UNINSTALL[connection.vendor]:
            cursor.execute(statement)


def recount(connection) -> int:
    """Recompute every partner's stored count from its partnerships; returns how many were wrong.

    Every organization's partners at once: it runs from migrations and repairs, as the owner.
    """
    reason = "partnership counts are recomputed for every partner"
    with rls.all_organizations(reason, connection=connection), connection.cursor() as cursor:
        cursor.execute(_RECOUNT)
        return cursor.rowcount


def recount_org(connection, org_id: int) -> int:
    """Recompute one organization's stored counts (after a raw load such as an archive import, whose
    partner rows carry the exported count while its partnership inserts count again)."""
    with connection.cursor() as cursor:
        cursor.execute(_RECOUNT.rstrip() + " AND organization_id = %s", [org_id])
        return cursor.rowcount


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """After every `migrate`: the triggers are there and the counts right (a SQLite table rebuild by a
    later migration drops its triggers); without the column (migrated back), no triggers."""
    from django.db import connections

    connection = connections[using]
    introspection = connection.introspection
    with connection.cursor() as cursor:
        if not {"partners_partner", "partners_partnership"} <= set(introspection.table_names(cursor)):
            return
        columns = {column.name for column in introspection.get_table_description(cursor, "partners_partner")}
    if "partnership_count" not in columns:
        uninstall(connection)
        return
    install(connection)
    recount(connection)
