"""PostgreSQL: the functions an attribution run writes its ledger partition with, under row-level security.

The application role owns nothing and may not create tables, and PostgreSQL refuses COPY FROM into
a table whose row-level security applies to the caller. A run therefore asks these functions, owned
by the migration owner (SECURITY DEFINER), to create its staging table, seal it and swap it in:

- `pom_ledger_stage_create(org, run, attempt)`: a bare table shaped like the ledger, no index, one
  CHECK pinning every row to the run's organization, writable (SELECT, INSERT, DELETE) by the roles
  that may write the ledger; COPY goes into it at full speed;
- `pom_ledger_stage_seal(org, run, attempt)`: builds the ledger's indexes once (the primary key as a
  constraint, so ATTACH links every index instead of building any) and enables and forces the
  ledger's own policy on it (`pom.rls`), before anything reads it;
- `pom_ledger_stage_swap(org, run, attempt)`: detaches and drops the organization's old partition,
  clears its rows from the default partition and attaches the sealed table;
- `pom_ledger_stage_drop(name)`: drops a staging table that was never attached (a failed or crashed
  attempt).

Each checks that the organization is in the caller's scope (`pom_org_ids()`, or `pom_all_orgs()`; a
caller row-level security does not apply to, superuser or owner, passes),
and create, seal and swap that the run is running under that attempt, so the functions act only on
the caller's own organization's runs. Table names are built from integers, never taken as SQL.
`pom_ledger_index_sql(target)` (an ordinary function) returns the CREATE INDEX statements of the
ledger for another table; the benchmark's floor uses it too.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION pom_ledger_index_sql(target text) RETURNS text[]
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $$
  -- Every index of the ledger, built on `target` in this order; the primary key's index then becomes
  -- the constraint (ATTACH links an index to a primary key only through a constraint).
  SELECT coalesce(array_agg(format('CREATE %sINDEX %I ON %I %s', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END,
                                   target || '_i' || i.n, target,
                                   substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$')) ORDER BY i.n), '{{}}')
      || coalesce(array_agg(format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I', target,
                                   target || '_pkey', target || '_i' || i.n)) FILTER (WHERE con.contype = 'p'), '{{}}')
  FROM (SELECT x.indexrelid, x.indrelid, x.indisunique, row_number() OVER (ORDER BY x.indexrelid) AS n
        FROM pg_index x WHERE x.indrelid = 'attribution_creditallocation'::regclass) AS i
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
$$;

CREATE OR REPLACE FUNCTION pom_ledger_caller_may(org bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $$
DECLARE
  -- The role SET ROLE chose, else the session's (a SECURITY DEFINER function changes neither).
  caller text := CASE WHEN current_setting('role') IN ('none', '') THEN session_user::text
                      ELSE current_setting('role') END;
BEGIN
  -- The organization is in the caller's row-level security scope, or row-level security does not apply
  -- to the caller at all (a superuser, a BYPASSRLS role, the ledger's owner: they could do this directly).
  RETURN pom_all_orgs() OR org = ANY (pom_org_ids())
      OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = caller AND (r.rolsuper OR r.rolbypassrls))
      OR pg_has_role(caller, (SELECT c.relowner FROM pg_class c WHERE c.oid = 'attribution_creditallocation'::regclass),
                     'MEMBER');
END $$;

CREATE OR REPLACE FUNCTION pom_ledger_stage_check(org bigint, run bigint, attempt integer) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $$
BEGIN
  IF org IS NULL OR run IS NULL OR attempt IS NULL OR attempt < 1 THEN
    RAISE EXCEPTION 'ledger stage: organization, run and attempt are required' USING ERRCODE = '22004';
  END IF;
  IF NOT pom_ledger_caller_may(org) THEN
    RAISE EXCEPTION 'ledger stage: organization % is not in this transaction''s scope', org
      USING ERRCODE = '42501';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM attribution_attributionrun r WHERE r.id = run AND r.organization_id = org
                 AND r.status = 'running' AND r.attempts = attempt) THEN
    RAISE EXCEPTION 'ledger stage: run % of organization % is not running attempt %', run, org, attempt
      USING ERRCODE = '42501';
  END IF;
  RETURN format('attribution_ledger_%s_%s_%s', org, run, attempt);
END $$;

CREATE OR REPLACE FUNCTION pom_ledger_stage_create(org bigint, run bigint, attempt integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  stage text := pom_ledger_stage_check(org, run, attempt);
  earlier integer;
  grantee oid;
BEGIN
  FOR earlier IN 1 .. attempt - 1 LOOP  -- tables of this run's crashed attempts, never attached
    PERFORM pom_ledger_stage_drop(format('attribution_ledger_%s_%s_%s', org, run, earlier));
  END LOOP;
  PERFORM pom_ledger_stage_drop(stage);
  EXECUTE format('CREATE TABLE %I (LIKE attribution_creditallocation INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                 stage);
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (organization_id IS NOT NULL AND organization_id = %s)',
                 stage, stage || '_org', org);
  -- Ids from the ledger's own sequence, so they stay unique across partitions.
  EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L::regclass)', stage,
                 pg_get_serial_sequence('attribution_creditallocation', 'id'));
  FOR grantee IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
                 WHERE c.oid = 'attribution_creditallocation'::regclass AND a.privilege_type = 'INSERT'
                   AND a.grantee <> c.relowner LOOP
    EXECUTE format('GRANT SELECT, INSERT, DELETE ON %I TO %s', stage,
                   CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE quote_ident(grantee::regrole::text) END);
  END LOOP;
  RETURN stage;
END $$;

CREATE OR REPLACE FUNCTION pom_ledger_stage_seal(org bigint, run bigint, attempt integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  stage text := pom_ledger_stage_check(org, run, attempt);
  statement text;
  qual text;
  checked text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(quote_ident(stage))) THEN
    RAISE EXCEPTION 'ledger stage: % is already attached', stage USING ERRCODE = '55000';
  END IF;
  FOREACH statement IN ARRAY pom_ledger_index_sql(stage) LOOP
    EXECUTE statement;
  END LOOP;
  SELECT pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) INTO qual, checked
    FROM pg_policy p WHERE p.polrelid = 'attribution_creditallocation'::regclass AND p.polname = 'pom_tenant';
  IF qual IS NOT NULL THEN  -- the ledger's own row-level security (pom.rls), as on every partition
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', stage);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', stage);
    EXECUTE format('CREATE POLICY pom_tenant ON %I USING (%s) WITH CHECK (%s)', stage, qual,
                   coalesce(checked, qual));
  END IF;
  RETURN stage;
END $$;

CREATE OR REPLACE FUNCTION pom_ledger_stage_swap(org bigint, run bigint, attempt integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  stage text := pom_ledger_stage_check(org, run, attempt);
  old text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = to_regclass(quote_ident(stage))
                 AND c.relrowsecurity = (SELECT relrowsecurity FROM pg_class
                                         WHERE oid = 'attribution_creditallocation'::regclass)) THEN
    RAISE EXCEPTION 'ledger stage: % is missing or not sealed', stage USING ERRCODE = '55000';
  END IF;
  -- The organization's current partition is detached and dropped: old runs go as tables, not row by row.
  FOR old IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'attribution_creditallocation'::regclass
               AND c.relname LIKE 'attribution\_ledger\_' || org || '\_%' AND c.relname <> stage LOOP
    EXECUTE format('ALTER TABLE attribution_creditallocation DETACH PARTITION %I', old);
    EXECUTE format('DROP TABLE %I', old);
  END LOOP;
  DELETE FROM attribution_creditallocation_default WHERE organization_id = org;
  EXECUTE format('ALTER TABLE attribution_creditallocation ATTACH PARTITION %I FOR VALUES IN (%s)', stage, org);
  RETURN stage;
END $$;

CREATE OR REPLACE FUNCTION pom_ledger_stage_drop(stage text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  parts text[] := regexp_match(stage, '^attribution_ledger_([0-9]{{1,18}})_([0-9]{{1,18}})_([0-9]{{1,9}})$');
BEGIN
  IF parts IS NULL THEN
    RAISE EXCEPTION 'ledger stage: % is not a staging table name', stage USING ERRCODE = '22023';
  END IF;
  IF NOT pom_ledger_caller_may(parts[1]::bigint) THEN
    RAISE EXCEPTION 'ledger stage: organization % is not in this transaction''s scope', parts[1]
      USING ERRCODE = '42501';
  END IF;
  IF to_regclass(quote_ident(stage)) IS NULL THEN
    RETURN false;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(quote_ident(stage))) THEN
    RAISE EXCEPTION 'ledger stage: % is attached: it is the ledger', stage USING ERRCODE = '55000';
  END IF;
  EXECUTE format('DROP TABLE %I', stage);
  RETURN true;
END $$;

REVOKE ALL ON FUNCTION pom_ledger_stage_create(bigint, bigint, integer), pom_ledger_stage_seal(bigint, bigint, integer),
  pom_ledger_stage_swap(bigint, bigint, integer), pom_ledger_stage_drop(text) FROM PUBLIC;
"""

DROP = """
DROP FUNCTION IF EXISTS pom_ledger_stage_create(bigint, bigint, integer), pom_ledger_stage_seal(bigint, bigint, integer),
  pom_ledger_stage_swap(bigint, bigint, integer), pom_ledger_stage_drop(text),
  pom_ledger_stage_check(bigint, bigint, integer), pom_ledger_caller_may(bigint), pom_ledger_index_sql(text);
"""


def create_functions(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        cursor.execute(FUNCTIONS.format(schema=schema))


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0010_account_status_opportunity_type"),
        ("pom", "0008_org_deletions_schedule"),
    ]

    operations = [migrations.RunPython(create_functions, drop_functions)]
