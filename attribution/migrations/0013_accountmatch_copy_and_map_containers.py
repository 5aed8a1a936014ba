"""PostgreSQL: a big map's pairs are COPYed into a bare stage, sealed (indexes, tenant policy) before the swap, and
swapped inside a partition of the map's own, so the swap locks that map only (attribution.mapping_compute).

Replaces the helpers of 0011 and adds two:

- `pom_accountmatch_stage(org, map, role)`: as before (drops the map's unattached tables of crashed attempts,
  creates `attribution_accountmatch_m<map>_<number>` with a CHECK pinning every row to the map and the
  organization), but bare: no row-level security yet, because PostgreSQL refuses COPY FROM into a table
  whose row-level security applies to the caller. The table exists only inside the recomputation's
  transaction (never committed unsealed: the swap seals it) and the CHECK keeps any other map's row out.
- `pom_accountmatch_seal(org, map, stage)`: builds the matches' indexes on the stage (the primary key as a
  constraint, so ATTACH links every index instead of building one) and enables and forces the tenant policy.
- `pom_accountmatch_swap(org, map, stage)`: seals the stage if needed, then swaps it in under the map's
  container `attribution_accountmatch_m<map>` (itself partitioned by the map, attached once to the matches).
  The previous generation is detached from the container and dropped, the stage attached to it: ACCESS
  EXCLUSIVE on that map's container only, never on the matches or their default partition. The first swap
  of a map creates the container, moves the map's rows out of the default partition (and drops a partition
  of 0011 attached directly) and attaches the container: that once, the matches and the default
  partition are locked as 0011's swap did each time.
- `pom_accountmatch_drop(org, map)`: drops the map's container (and any partition or stage of 0011) before the
  map is deleted; returns the number of tables dropped.

Each checks that the organization is in the caller's row-level-security scope and the map is that
organization's (`pom_accountmatch_check`, 0011). Reversing restores 0011's functions (their tables stay).
"""

from importlib import import_module

from django.db import migrations

TABLE = "attribution_accountmatch"
POLICY = "(SELECT pom_all_orgs()) OR organization_id = ANY ((SELECT pom_org_ids())::bigint[])"
# LIKE pattern of the map's tables: stages and 0011's partitions, `attribution_accountmatch_m<map>_<number>`.
MAP_TABLES = f"replace('{TABLE}_m' || p_map || '_', '_', '\\_') || '%'"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pom_accountmatch_stage(p_org bigint, p_map bigint, p_role text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  stage text := format('{TABLE}_m%s_%s', p_map, nextval(pg_get_serial_sequence('{TABLE}', 'id')));
  old text;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  FOR old IN SELECT c.relname FROM pg_class c
             WHERE c.relkind = 'r' AND c.relname LIKE {MAP_TABLES}
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
  IF p_role IS NOT NULL AND pg_has_role(session_user, p_role, 'MEMBER') THEN
    EXECUTE format('GRANT SELECT, INSERT ON %I TO %I', stage, p_role);
  END IF;
  RETURN stage;
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_stage_name(p_map bigint, p_stage text) RETURNS regclass
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  IF p_stage IS NULL OR p_stage !~ ('^{TABLE}_m' || p_map || '_[0-9]+$') OR to_regclass(quote_ident(p_stage)) IS NULL THEN
    RAISE EXCEPTION 'not a stage table of account map %: %', p_map, p_stage USING ERRCODE = '42501';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(quote_ident(p_stage))) THEN
    RAISE EXCEPTION 'stage % is already attached', p_stage USING ERRCODE = '55000';
  END IF;
  RETURN to_regclass(quote_ident(p_stage));
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_seal(p_org bigint, p_map bigint, p_stage text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  stage regclass;
  ix record;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  stage := pom_accountmatch_stage_name(p_map, p_stage);
  IF (SELECT relrowsecurity FROM pg_class WHERE oid = stage) THEN
    RETURN;  -- sealed already
  END IF;
  -- The matches' own indexes, built once on the filled table; the primary key's becomes the constraint
  -- (ATTACH links an index to a primary key only through a constraint).
  FOR ix IN SELECT x.indexrelid, x.indisunique, x.indisprimary, row_number() OVER (ORDER BY x.indexrelid) AS n
            FROM pg_index x WHERE x.indrelid = '{TABLE}'::regclass
  LOOP
    EXECUTE format('CREATE %sINDEX %I ON %I %s', CASE WHEN ix.indisunique THEN 'UNIQUE ' ELSE '' END,
                   p_stage || '_i' || ix.n, p_stage, substring(pg_get_indexdef(ix.indexrelid) FROM ' USING .*$'));
    IF ix.indisprimary THEN
      EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I', p_stage, p_stage || '_pkey',
                     p_stage || '_i' || ix.n);
    END IF;
  END LOOP;
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', p_stage);
  EXECUTE format('CREATE POLICY pom_tenant ON %I USING ({POLICY}) WITH CHECK ({POLICY})', p_stage);
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_swap(p_org bigint, p_map bigint, p_stage text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  container text := '{TABLE}_m' || p_map;
  old text;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  PERFORM pom_accountmatch_stage_name(p_map, p_stage);
  PERFORM pom_accountmatch_seal(p_org, p_map, p_stage);
  IF to_regclass(quote_ident(container)) IS NULL THEN
    -- The map's first big recomputation: its container, attached once (this once, ATTACH locks the
    -- matches' default partition to prove it holds none of the map's rows, as 0011's swap did each time).
    FOR old IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = '{TABLE}'::regclass AND c.relname LIKE {MAP_TABLES}
    LOOP
      EXECUTE format('ALTER TABLE {TABLE} DETACH PARTITION %I', old);  -- a partition of 0011
      EXECUTE format('DROP TABLE %I', old);
    END LOOP;
    DELETE FROM {TABLE}_default WHERE account_map_id = p_map;
    EXECUTE format('CREATE TABLE %I (LIKE {TABLE} INCLUDING DEFAULTS) PARTITION BY LIST (account_map_id)', container);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', container);
    EXECUTE format('CREATE POLICY pom_tenant ON %I USING ({POLICY}) WITH CHECK ({POLICY})', container);
    EXECUTE format('ALTER TABLE {TABLE} ATTACH PARTITION %I FOR VALUES IN (%s)', container, p_map);
  ELSE
    -- Only the map's container is locked (ACCESS EXCLUSIVE, until the commit): other maps read and write.
    FOR old IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = to_regclass(quote_ident(container))
    LOOP
      EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', container, old);
      EXECUTE format('DROP TABLE %I', old);
    END LOOP;
  END IF;
  -- The stage's CHECK implies the bound: no validation scan; its sealed indexes are linked, not built.
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', container, p_stage, p_map);
END $$;

CREATE OR REPLACE FUNCTION pom_accountmatch_drop(p_org bigint, p_map bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  container text := '{TABLE}_m' || p_map;
  old text;
  dropped integer := 0;
BEGIN
  PERFORM pom_accountmatch_check(p_org, p_map);
  IF to_regclass(quote_ident(container)) IS NOT NULL THEN
    EXECUTE format('DROP TABLE %I', container);  -- with its generation
    dropped := dropped + 1;
  END IF;
  FOR old IN SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE {MAP_TABLES}
  LOOP
    EXECUTE format('DROP TABLE %I', old);  -- a partition of 0011, a crashed attempt's stage
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END $$;

REVOKE ALL ON FUNCTION pom_accountmatch_stage(bigint, bigint, text), pom_accountmatch_seal(bigint, bigint, text),
  pom_accountmatch_swap(bigint, bigint, text), pom_accountmatch_drop(bigint, bigint) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS pom_accountmatch_seal(bigint, bigint, text), pom_accountmatch_drop(bigint, bigint),
  pom_accountmatch_stage_name(bigint, text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTIONS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)
            cursor.execute(import_module("attribution.migrations.0011_accountmatch_partitioned_by_map").FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0012_merge_20261202_1334"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
