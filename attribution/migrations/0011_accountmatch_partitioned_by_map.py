"""PostgreSQL: the matched pairs (`AccountMatch`) partitioned by account map, so a big map's recomputation
writes its pairs into a fresh table without indexes, builds them once and swaps it in (never
half-visible), instead of maintaining four indexes pair by pair (attribution.mapping_compute).

Small maps keep their rows in the default partition (plain DELETE and INSERT). The application role
cannot create, attach or drop tables, so two SECURITY DEFINER functions owned by the migrating role
do the DDL, each after checking that the organization is in the caller's row-level-security scope
and that the map is that organization's:

- `pom_accountmatch_stage(org, map, role)`: drops the map's unattached tables of crashed attempts,
  creates `attribution_accountmatch_m<map>_<number>` (a number from the matches' id sequence) shaped
  like the matches, with a CHECK on the map and organization (so ATTACH skips its validation scan of the new table), the tenant policy
  forced, and SELECT/INSERT granted to `role` (the caller's current role); returns its name;
- `pom_accountmatch_swap(org, map, stage)`: detaches and drops the map's previous partition, deletes
  its rows from the default partition and attaches the stage as the map's partition (ATTACH builds
  the partitioned indexes on it).

The primary key becomes (id, account_map_id), as partitioning requires; ids stay unique (one identity
sequence, which the stage tables use too). Reversing leaves the table partitioned: the earlier schema
works on it as it is.
"""

from django.db import migrations

TABLE = "attribution_accountmatch"

POLICY = "(SELECT pom_all_orgs()) OR organization_id = ANY ((SELECT pom_org_ids())::bigint[])"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pom_accountmatch_check(p_org bigint, p_map bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  -- In the caller's row-level security scope, or a caller RLS does not apply to (superuser, BYPASSRLS):
  -- the session's role, or the one SET ROLE chose (a SECURITY DEFINER function changes neither).
  IF NOT ((SELECT pom_all_orgs()) OR p_org = ANY ((SELECT pom_org_ids())::bigint[])
          OR EXISTS (SELECT 1 FROM pg_roles r
                     WHERE r.rolname = CASE WHEN current_setting('role') IN ('none', '') THEN session_user::text
                                            ELSE current_setting('role') END
                       AND (r.rolsuper OR r.rolbypassrls))) THEN
    RAISE EXCEPTION 'organization % is not in this transaction''s scope', p_org USING ERRCODE = '42501';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM attribution_accountmap WHERE id = p_map AND organization_id = p_org) THEN
    RAISE EXCEPTION 'account map % is not one of organization %', p_map, p_org USING ERRCODE = '42501';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_stage(p_org bigint, p_map bigint, p_role text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  stage text := format('{TABLE}_m%s_%s', p_map, nextval(pg_get_serial_sequence('{TABLE}', 'id')));
  old text;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  FOR old IN SELECT c.relname FROM pg_class c
             WHERE c.relkind = 'r' AND c.relname LIKE replace('{TABLE}_m' || p_map || '_', '_', '\\_') || '%'
               AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
  LOOP
    EXECUTE format('DROP TABLE %I', old);
  END LOOP;
  EXECUTE format('CREATE TABLE %I (LIKE {TABLE} INCLUDING DEFAULTS)', stage);
  EXECUTE format(
    'ALTER TABLE %I ADD CONSTRAINT %I CHECK (account_map_id IS NOT NULL AND account_map_id = %s AND organization_id = %s)',
    stage, stage || '_map', p_map, p_org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L)', stage,
                 pg_get_serial_sequence('{TABLE}', 'id'));
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', stage);
  EXECUTE format('CREATE POLICY pom_tenant ON %I USING ({POLICY}) WITH CHECK ({POLICY})', stage);
  IF p_role IS NOT NULL AND pg_has_role(session_user, p_role, 'MEMBER') THEN
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', stage, p_role);
  END IF;
  RETURN stage;
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_swap(p_org bigint, p_map bigint, p_stage text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE old text;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  IF p_stage !~ ('^{TABLE}_m' || p_map || '_[0-9]+$') THEN
    RAISE EXCEPTION 'not a stage table of account map %: %', p_map, p_stage USING ERRCODE = '42501';
  END IF;
  FOR old IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_class p ON p.oid = i.inhparent
             WHERE p.relname = '{TABLE}' AND c.relname <> p_stage
               AND c.relname LIKE replace('{TABLE}_m' || p_map || '_', '_', '\\_') || '%'
  LOOP
    EXECUTE format('ALTER TABLE {TABLE} DETACH PARTITION %I', old);
    EXECUTE format('DROP TABLE %I', old);
  END LOOP;
  DELETE FROM {TABLE}_default WHERE account_map_id = p_map;
  EXECUTE format('ALTER TABLE {TABLE} ATTACH PARTITION %I FOR VALUES IN (%s)', p_stage, p_map);
END $$;

REVOKE ALL ON FUNCTION pom_accountmatch_stage(bigint, bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pom_accountmatch_swap(bigint, bigint, text) FROM PUBLIC;
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND i.indexname <> %s",
            [TABLE, f"{TABLE}_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_old"')
        cursor.execute(f'ALTER TABLE "{TABLE}_old" RENAME CONSTRAINT "{TABLE}_pkey" TO "{TABLE}_old_pkey"')
        for name, _ in indexes:
            cursor.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:50]}_old"')
        cursor.execute(
            f'CREATE TABLE "{TABLE}" (LIKE "{TABLE}_old" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) '
            "PARTITION BY LIST (account_map_id)"
        )
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{TABLE}_pkey" PRIMARY KEY (id, account_map_id)')
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{TABLE}" DEFAULT')
        cursor.execute(f'INSERT INTO "{TABLE}" OVERRIDING SYSTEM VALUE SELECT * FROM "{TABLE}_old"')
        cursor.execute(f'DROP TABLE "{TABLE}_old"')
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
        cursor.execute(f"SELECT setval('{TABLE}_id_seq', (SELECT COALESCE(MAX(id), 0) + 1 FROM \"{TABLE}\"), false)")
        cursor.execute(FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0010_account_status_opportunity_type"),
    ]

    operations = [
        migrations.RunPython(partition, migrations.RunPython.noop),
    ]
