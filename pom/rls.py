"""PostgreSQL row-level security: the database as a second wall behind `for_org`.

Every table with an `organization_id` column (a tenant table) gets RLS enabled and FORCED and one
policy: a row is visible, and may be written, only when its organization is in the organizations
the current transaction has set. Nothing set: no rows. The application connects as a role that owns
nothing and is not a superuser (superusers and BYPASSRLS roles skip every policy); migrations run as
the owner. SQLite has no RLS: everything here is a no-op there and `for_org` stays the only door.

The scope lives in two custom settings, set with `set_config(..., true)` (transaction-local, the
`SET LOCAL` form, so a pooled connection never carries one request's scope into the next) inside
a transaction, or for the block's duration with a reset afterwards outside one:

- `pom.org_ids`: comma-separated organization ids (a request's organization; a partner person's
  workspaces' organizations; a task's organization);
- `pom.user_id`: the signed-in user, so a user's own rows in `USER_ROWS` tables are visible before an
  organization is known (their memberships, their workspace memberships, their notifications).

`all_organizations(reason)` lifts the wall for the genuinely cross-tenant lookups (a key by its hash,
a token, a periodic fan-out listing organizations); every caller is listed in the tenancy guard's
allow-list with a reason (tests/test_tenant_scoping_guard.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from django.db import connection as default_connection

ORG_SETTING = "pom.org_ids"
USER_SETTING = "pom.user_id"
ALL_SETTING = "pom.all_orgs"
POLICY = "pom_tenant"

# Tables with an organization_id that are not one tenant's rows. Each holds no tenant data.
CROSS_TENANT_TABLES: dict[str, str] = {}

# Tables without organization_id: the tenant registry, users and framework tables. None holds one
# tenant's business data; a new table must be a tenant table or be added here with its reason.
GLOBAL_TABLE_PREFIXES: dict[str, str] = {
    "django_": "framework: sessions, migrations, content types, admin log, Celery beat schedules",
    "auth_": "framework: groups and permissions",
    "account_": "allauth: a user's own e-mail addresses",
    "socialaccount_": "allauth: a user's own SSO identities and the provider apps",
    "mfa_": "allauth: a user's own second factors",
    "usersessions_": "allauth: a user's own sessions",
    "pom_user": "users: a person may belong to several organizations",
    "pom_organization": "the tenant registry itself (slug, name); the door starts here",
    "pom_loginthrottle": "sign-in throttling by address and e-mail, before any organization is known",
    "reports_benchmarkmetric": "benchmark metric definitions, the same for every organization",
    "reports_referencefigure": "published survey reference figures, nobody's rows",
    "reports_crosstenantdistribution": "the benchmarks' cross-tenant distributions: anonymised, k-anonymous",
    "workspaces_notificationpreference": "a user's own notification settings, across organizations",
}

# Tenant tables whose rows a user may see as their own before an organization is set.
USER_ROWS = {"pom_membership", "workspaces_workspacemember", "workspaces_notification"}


def is_postgres(connection=None) -> bool:
    return (connection or default_connection).vendor == "postgresql"


def tenant_tables() -> list[str]:
    """Every table of an installed model with an `organization` foreign key column, minus the cross-tenant list."""
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        if any(f.column == "organization_id" for f in model._meta.concrete_fields):
            tables.add(model._meta.db_table)
    return sorted(tables - set(CROSS_TENANT_TABLES))


_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pom_org_ids() RETURNS bigint[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_to_array(nullif(current_setting('{ORG_SETTING}', true), ''), ',')::bigint[], '{{}}')
$$;
CREATE OR REPLACE FUNCTION pom_user_id() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nullif(current_setting('{USER_SETTING}', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION pom_all_orgs() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('{ALL_SETTING}', true), '') = 'on'
$$;
"""


def policy_expression(table: str) -> str:
    """The row test: `(SELECT ...)` makes each setting an InitPlan, read once per query, not per row."""
    expression = "(SELECT pom_all_orgs()) OR organization_id = ANY ((SELECT pom_org_ids())::bigint[])"
    if table in USER_ROWS:
        expression += " OR user_id = (SELECT pom_user_id())"
    return expression


def install(connection=None, app_role: str | None = None) -> list[str]:
    """Enable and force RLS with the tenant policy on every tenant table; idempotent. Returns the tables.

    Runs after every `migrate` on PostgreSQL (pom.apps), as the owner. With `app_role`, also grants
    that role the rights to read and write every table and sequence (it owns nothing).
    """
    connection = connection or default_connection
    if not is_postgres(connection):
        return []
    tables = tenant_tables()
    with connection.cursor() as cursor:
        cursor.execute(_FUNCTIONS)
        # A partition is a table of its own: queried directly it would skip its parent's policy.
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s)",
            [tables],
        )
        tables = sorted(set(tables) | {row[0] for row in cursor.fetchall()})
        for table in tables:
            quoted = connection.ops.quote_name(table)
            expression = policy_expression(table)
            cursor.execute(
                f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY; ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY;"
                f"DROP POLICY IF EXISTS {POLICY} ON {quoted};"
                f"CREATE POLICY {POLICY} ON {quoted} USING ({expression}) WITH CHECK ({expression});"
            )
    if app_role:
        grant(connection, app_role)
    return tables


def grant(connection, app_role: str) -> None:
    """Let the application role read and write every table and sequence; it owns none of them.

    A role that does not exist yet is skipped (create it, then run `migrate` again)."""
    role = connection.ops.quote_name(app_role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            return
        cursor.execute(
            f"GRANT USAGE ON SCHEMA public TO {role};"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};"
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role};"
        )


# The scope of the current transaction -----------------------------------------------------------


def _raw_execute(connection, sql: str, params: list) -> list:
    """Run on the driver's cursor: scope plumbing is not an application query (query counts stay)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone() or [])


def _read(connection) -> tuple[str, str, str]:
    row = _raw_execute(
        connection,
        "SELECT coalesce(current_setting(%s, true), ''), coalesce(current_setting(%s, true), ''),"
        " coalesce(current_setting(%s, true), '')",
        [ORG_SETTING, USER_SETTING, ALL_SETTING],
    )
    return row[0], row[1], row[2]


def _write(connection, org_ids: str, user_id: str, all_orgs: str) -> None:
    local = connection.in_atomic_block  # SET LOCAL inside a transaction; reset by `scope` outside one
    _raw_execute(
        connection,
        "SELECT set_config(%s, %s, %s), set_config(%s, %s, %s), set_config(%s, %s, %s)",
        [ORG_SETTING, org_ids, local, USER_SETTING, user_id, local, ALL_SETTING, all_orgs, local],
    )


def _ids(org_ids: Iterable) -> str:
    return ",".join(str(int(getattr(o, "pk", o))) for o in org_ids if o is not None)


@contextlib.contextmanager
def scope(*, org_ids: Iterable = (), user_id: int | None = None, connection=None) -> Iterator[None]:
    """Set the organizations (and user) the block may see; the previous scope comes back afterwards."""
    connection = connection or default_connection
    if not is_postgres(connection):
        yield
        return
    previous = _read(connection)
    _write(connection, _ids(org_ids), "" if user_id is None else str(int(user_id)), "")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            _write(connection, *previous)


def add_orgs(org_ids: Iterable, *, connection=None) -> None:
    """Widen the current scope by these organizations (a request once its organization is resolved)."""
    connection = connection or default_connection
    if not is_postgres(connection):
        return
    ids = _ids(org_ids)
    if not ids:
        return
    _raw_execute(  # one round trip: the current ids and these, merged in the database
        connection,
        "SELECT set_config(%s, array_to_string(ARRAY(SELECT DISTINCT x FROM unnest(pom_org_ids()"
        " || string_to_array(%s, ',')::bigint[]) AS x ORDER BY x), ','), %s)",
        [ORG_SETTING, ids, connection.in_atomic_block],
    )


def set_user(user_id: int, *, connection=None) -> None:
    """Name the signed-in user in the current scope (API authentication runs after the middleware)."""
    connection = connection or default_connection
    if not is_postgres(connection):
        return
    current, user, all_orgs = _read(connection)
    if user != str(int(user_id)):
        _write(connection, current, str(int(user_id)), all_orgs)


def add_member_org(user_id: int, org_slug: str, *, connection=None) -> None:
    """Widen the scope by the organization with this slug if this user is a member of it, in one
    statement, before the membership is read: the rows read with it (the organization's sign-in
    policy, joined) are then visible too. Not a member: the scope stays as it was."""
    connection = connection or default_connection
    if not is_postgres(connection):
        return
    set_user(user_id, connection=connection)  # their own memberships are what the policy lets through
    _raw_execute(
        connection,
        "SELECT set_config(%s, array_to_string(ARRAY(SELECT DISTINCT x FROM unnest(pom_org_ids() || ARRAY("
        "SELECT m.organization_id FROM pom_membership m JOIN pom_organization o ON o.id = m.organization_id"
        " WHERE m.user_id = %s AND o.slug = %s)) AS x ORDER BY x), ','), %s)",
        [ORG_SETTING, int(user_id), org_slug, connection.in_atomic_block],
    )


def add_user_rows_orgs(table: str, user_id: int, *, where: str = "", connection=None) -> None:
    """Widen the scope by the organizations of this user's own rows in a `USER_ROWS` table."""
    assert table in USER_ROWS, table
    connection = connection or default_connection
    if not is_postgres(connection):
        return
    set_user(user_id, connection=connection)  # their own rows are what the policy lets through
    row = _raw_execute(
        connection,
        f"SELECT string_agg(DISTINCT organization_id::text, ',') FROM {table} WHERE user_id = %s {where}",
        [int(user_id)],
    )
    if row and row[0]:
        add_orgs(row[0].split(","), connection=connection)


def add_partner_workspace_orgs(user_id: int, *, connection=None) -> None:
    """Widen the scope by the organizations of the workspaces this person is a partner-side member of
    (their own rows, visible through `USER_ROWS`): exactly what the partner home may show."""
    add_user_rows_orgs("workspaces_workspacemember", user_id, where="AND side = 'partner'", connection=connection)


@contextlib.contextmanager
def all_organizations(reason: str, *, connection=None) -> Iterator[None]:
    """Lift the wall for one cross-tenant lookup (say why: the guard's allow-list repeats it)."""
    connection = connection or default_connection
    if not is_postgres(connection):
        yield
        return
    previous = _read(connection)
    _write(connection, previous[0], previous[1], "on")
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            _write(connection, *previous)


def admit(obj):
    """After a cross-tenant lookup by token: open the scope to the found row's organization; returns it."""
    if obj is not None:
        add_orgs([obj.organization_id])
    return obj
