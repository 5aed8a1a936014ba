"""The account map's recomputation and the partner list import: the bodies of two `pom.jobs` jobs.

Both are safe to run again from the start (a worker that dies is restarted by `pom.jobs`): the
import replaces the previous rows, the recomputation replaces the previous matches, each in one
transaction at the end.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution import mapping_join
from attribution import mapping_selectors as selectors
from attribution.mapping_matching import match_names
from attribution.mapping_models import (
    AccountMap,
    AccountMatch,
    MatchDecision,
    PartnerAccount,
    PartnerAccountList,
)
from attribution.models import Account
from attribution.normalize import match_name
from pom import validation
from pom.audit import audit_action
from pom.jobs import Progress
from pom.models import Job

INSERT_BATCH = 5000
# From this many partner rows on (PostgreSQL), a recomputation writes its pairs into a fresh table and
# swaps it in as the map's partition (`_stage_create`, `_stage_swap`); smaller maps rewrite their rows
# in the default partition, where a table of their own would cost more in DDL than it saves.
STAGE_MIN_ROWS = 20_000
# How a big map's domain pairs are joined (`MAPPING_DOMAIN_JOIN`): "sql", the merge join written by INSERT …
# SELECT into the bare stage, or "numpy" (`mapping_join`: both key lists read by binary COPY, joined in
# numpy, COPYed in). Same pairs; at a million × a million SQL measured faster here (docs/account-mapping.md).
DOMAIN_JOIN = "sql"


# The partner list import --------------------------------------------------------------------------


def _write_rows(account_map: AccountMap, account_list: PartnerAccountList, rows: list[dict]) -> None:
    org_id = account_map.organization_id
    now = timezone.now()
    PartnerAccount.objects.bulk_create(
        (
            PartnerAccount(
                organization_id=org_id,
                account_map=account_map,
                account_list=account_list,
                created_at=now,
                updated_at=now,
                **row,
            )
            for row in rows
        ),
        batch_size=INSERT_BATCH,
    )


def _replace_current(account_map: AccountMap, new_list: PartnerAccountList) -> None:
    """Delete the rows of the lists in use and mark them replaced (the history of uploads stays)."""
    org_id = account_map.organization_id
    old = (
        PartnerAccountList.objects.for_org(org_id)
        .filter(account_map=account_map, status=PartnerAccountList.Status.CURRENT)
        .exclude(pk=new_list.pk)
    )
    AccountMatch.objects.for_org(org_id).filter(account_map=account_map).delete()
    PartnerAccount.objects.for_org(org_id).filter(account_list__in=old).delete()
    old.update(status=PartnerAccountList.Status.REPLACED, replaced_at=timezone.now())


def partner_list_import(*, job: Job, progress: Progress) -> dict:
    """Validate the checked list again and, only when every row is valid, make it the partner's list.

    1. Read and validate the whole file (nothing written yet); any error marks the list failed.
    2. In one transaction: delete the previous list's rows and matches, insert the new rows, mark
       the list current and the map's source an upload.
    3. Ask for the map's recomputation.
    """
    from attribution.mapping_services import account_map_recompute_request, partner_list_rows

    org_id = job.organization_id
    account_list = (
        PartnerAccountList.objects.for_org(org_id)
        .select_related("account_map__partnership__partner", "organization")
        .filter(pk=job.params.get("account_list_id"))
        .first()
    )
    if account_list is None:
        return {"skipped": "deleted"}
    progress.update(done=0, total=3, message=_("Checking %(n)s rows") % {"n": account_list.row_count})
    rows, errors = partner_list_rows(account_list=account_list)
    if errors:
        PartnerAccountList.objects.for_org(org_id).filter(pk=account_list.pk).update(
            status=PartnerAccountList.Status.FAILED, errors=errors[:1000]
        )
        progress.attach(filename=f"list-{account_list.pk}-errors.csv", content=validation.errors_csv(errors))
        raise validation.ImportRejected(_("%(n)s problem(s) in the list: nothing was replaced.") % {"n": len(errors)})
    progress.update(done=1, message=_("Writing %(n)s accounts") % {"n": len(rows)})
    account_map = account_list.account_map
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["population"]] = counts.get(row["population"], 0) + 1
    with transaction.atomic():
        progress.hold()
        _replace_current(account_map, account_list)
        _write_rows(account_map, account_list, rows)
        PartnerAccountList.objects.for_org(org_id).filter(pk=account_list.pk).update(
            status=PartnerAccountList.Status.CURRENT,
            committed_at=timezone.now(),
            row_count=len(rows),
            population_counts=counts,
            errors=[],
        )
        AccountMap.objects.for_org(org_id).filter(pk=account_map.pk).update(
            source=AccountMap.Source.UPLOAD, matrix={}, computed_at=None
        )
        audit_action(
            org=account_list.organization,
            actor=account_list.uploaded_by,
            obj=account_list,
            verb="partner list imported",
            changes={"rows": len(rows), **counts},
        )
        account_map.refresh_from_db()
        if account_map.both_opted_in:
            account_map_recompute_request(
                org=account_list.organization, actor=account_list.uploaded_by, account_map=account_map
            )
    return {"rows": len(rows), "populations": counts}


# The recomputation --------------------------------------------------------------------------------


def _refresh_linked_copy(account_map: AccountMap) -> int:
    """Copy the partner organization's own accounts (consented) as the map's current list."""
    rows = selectors.linked_partner_accounts(account_map=account_map)
    org_id = account_map.organization_id
    new_list = PartnerAccountList.objects.create(
        organization_id=org_id,
        account_map=account_map,
        source=AccountMap.Source.LINKED,
        status=PartnerAccountList.Status.CURRENT,
        original_name=_("Accounts of %(org)s on POM") % {"org": account_map.partnership.partner.name},
        row_count=len(rows),
        uploaded_by=account_map.linked_consent_by,
        committed_at=timezone.now(),
    )
    _replace_current(account_map, new_list)
    _write_rows(
        account_map,
        new_list,
        [
            {
                "row_number": index + 1,
                "external_id": str(source_id),
                "name": name[:200],
                "name_key": match_name(name)[:200],
                "domain": domain,
                "domain_key": key,
                "duns": duns,
                "vat": vat,
                "siret": siret,
                "industry": industry,
                "population": population,
            }
            for index, (source_id, name, domain, key, duns, vat, siret, industry, population) in enumerate(rows)
        ],
    )
    return len(rows)


def _stage_wanted(account_map: AccountMap) -> bool:
    """PostgreSQL and a partner list of at least `MAPPING_STAGE_MIN_ROWS` rows (the list's stored count:
    the matched pairs are at most that many)."""
    if connection.vendor != "postgresql":
        return False
    threshold = getattr(settings, "MAPPING_STAGE_MIN_ROWS", STAGE_MIN_ROWS)
    rows = (
        PartnerAccountList.objects.for_org(account_map.organization_id)
        .filter(account_map=account_map, status=PartnerAccountList.Status.CURRENT)
        .aggregate(n=Sum("row_count"))["n"]
    )
    return (rows or 0) >= threshold


def _stage_create(account_map: AccountMap) -> str:
    """A fresh table for this recomputation's pairs, shaped like the matches, without indexes or row-level
    security yet (so each pair costs its row only, and COPY may write it), created by the SECURITY DEFINER
    helper of migration 0013 (the application role may not create tables); it checks the map is in this
    transaction's organization scope, and a CHECK pins every row to the map. Only inside a transaction:
    the table is never committed before `_stage_seal` gave it the tenant policy."""
    if not connection.in_atomic_block:
        raise RuntimeError("a stage table lives inside the recomputation's transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pom_accountmatch_stage(%s, %s, current_user::text)",
            [account_map.organization_id, account_map.pk],
        )
        return cursor.fetchone()[0]


def _stage_seal(account_map: AccountMap, stage: str) -> None:
    """Build the matches' indexes on the filled stage, once, and give it the tenant policy (forced)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pom_accountmatch_seal(%s, %s, %s)", [account_map.organization_id, account_map.pk, stage])


def _stage_swap(account_map: AccountMap, stage: str) -> None:
    """Make the sealed stage the map's matches (inside the recomputation's transaction): the previous
    generation is detached from the map's own partition and dropped, the stage attached in its place (its
    indexes linked, not built), locking that map's partition only. The map's first swap creates that
    partition and attaches it (locking the default partition, that once). Readers see the old pairs until
    the transaction commits, then the new ones: never a partial map."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pom_accountmatch_swap(%s, %s, %s)", [account_map.organization_id, account_map.pk, stage])


def _insert_exact(account_map: AccountMap, table: str | None = None) -> None:
    """The exact overlap, set-based: a join on the integer domain key, then on registration numbers,
    written into `table` (a stage of `_stage_create`; by default the matches themselves).

    The domain join is SQL, a merge join of two index-only scans over (organization, [map,] domain_key,
    id); into a stage (PostgreSQL, a big map) with `MAPPING_DOMAIN_JOIN = "numpy"` it is joined in numpy
    and COPYed instead (`mapping_join.insert_domain_pairs`: one binary COPY out per side, one in). Both
    give the same pairs (tests/mapping/test_numpy_join.py).
    """
    account, partner = Account._meta.db_table, PartnerAccount._meta.db_table
    match = connection.ops.quote_name(table or AccountMatch._meta.db_table)
    now = timezone.now()
    org_id, map_id = account_map.organization_id, account_map.pk
    columns = (
        "created_at, updated_at, organization_id, account_map_id, account_id, partner_account_id, method, confidence"
    )
    staged = table is not None and connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_hashjoin = off")
            # Derived data, recomputed from its inputs: losing the last commit in a crash costs a rerun.
            cursor.execute("SET LOCAL synchronous_commit = off")
        if staged and getattr(settings, "MAPPING_DOMAIN_JOIN", DOMAIN_JOIN) == "numpy":
            mapping_join.insert_domain_pairs(account_map, table, now=now)
        else:
            cursor.execute(
                f"INSERT INTO {match} ({columns}) "
                f"SELECT %s, %s, %s, %s, a.id, p.id, 'domain', 1 FROM {account} a "
                f"JOIN {partner} p ON p.domain_key = a.domain_key "
                "WHERE a.organization_id = %s AND a.domain_key IS NOT NULL "
                "AND p.organization_id = %s AND p.account_map_id = %s "
                # In account order, the (map, account) and account indexes and the id grow at their right edge.
                "ORDER BY a.id",
                [now, now, org_id, map_id, org_id, org_id, map_id],
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_hashjoin = on")
        # Only the numbers the partner's list holds (an index probe on its rows that have one): each join
        # scans the vendor's accounts, three scans for nothing on a list of domains alone.
        cursor.execute(
            f"SELECT coalesce(bool_or(duns <> ''), false), coalesce(bool_or(vat <> ''), false), "
            f"coalesce(bool_or(siret <> ''), false) FROM {partner} "
            "WHERE organization_id = %s AND account_map_id = %s AND (duns <> '' OR vat <> '' OR siret <> '')",
            [org_id, map_id],
        )
        held = cursor.fetchone()
        for number in (number for number, present in zip(("duns", "vat", "siret"), held, strict=True) if present):
            cursor.execute(
                f"INSERT INTO {match} ({columns}) "
                f"SELECT %s, %s, %s, %s, a.id, p.id, 'registration', 1 FROM {account} a "
                f"JOIN {partner} p ON p.{number} = a.{number} "
                f"WHERE a.organization_id = %s AND a.{number} <> '' "
                f"AND p.organization_id = %s AND p.account_map_id = %s AND p.{number} <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {match} m WHERE m.organization_id = %s AND m.account_map_id = %s "
                "AND m.account_id = a.id AND m.partner_account_id = p.id)",
                [now, now, org_id, map_id, org_id, org_id, map_id, org_id, map_id],
            )


def _insert_pairs(account_map: AccountMap, pairs: list[AccountMatch], table: str | None = None) -> int:
    """Write the name and confirmed pairs in one statement (PostgreSQL: INSERT … SELECT FROM unnest of
    four arrays, in account order, into `table` or the matches), never row by row. Returns the number
    written."""
    if not pairs:
        return 0
    if connection.vendor != "postgresql":
        AccountMatch.objects.bulk_create(pairs, batch_size=INSERT_BATCH)
        return len(pairs)
    pairs = sorted(pairs, key=lambda m: (m.account_id, m.partner_account_id))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(table or AccountMatch._meta.db_table)} "
            "(created_at, updated_at, organization_id, account_map_id, "
            "account_id, partner_account_id, method, confidence) "
            "SELECT %s, %s, %s, %s, u.account_id, u.partner_account_id, u.method, u.confidence "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::numeric[]) "
            "AS u(account_id, partner_account_id, method, confidence)",
            [
                now,
                now,
                account_map.organization_id,
                account_map.pk,
                [m.account_id for m in pairs],
                [m.partner_account_id for m in pairs],
                [m.method for m in pairs],
                [m.confidence for m in pairs],
            ],
        )
    return len(pairs)


def _matched_ids(account_map: AccountMap, table: str | None) -> tuple[set[int], set[int]]:
    """(vendor account ids, partner row ids) the exact pass matched, read from `table` or the matches."""
    if table is None:
        matches = AccountMatch.objects.for_org(account_map.organization_id).filter(account_map=account_map)
        return set(matches.values_list("account_id", flat=True)), set(
            matches.values_list("partner_account_id", flat=True)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id, partner_account_id FROM {connection.ops.quote_name(table)} "
            "WHERE organization_id = %s AND account_map_id = %s",
            [account_map.organization_id, account_map.pk],
        )
        rows = cursor.fetchall()
    return {a for a, _p in rows}, {p for _a, p in rows}


def _name_candidates(account_map: AccountMap, table: str | None = None) -> list[AccountMatch]:
    """Name matches for accounts the exact pass (written into `table`, or the matches) left alone, where
    at least one side has no domain, minus rejected pairs, plus every confirmed pair whose partner
    account is in the current list."""
    org_id = account_map.organization_id
    decisions = {
        (d.account_id, d.partner_name_key): d.verdict
        for d in MatchDecision.objects.for_org(org_id).filter(account_map=account_map)
    }
    domainless = (
        Account.objects.for_org(org_id).filter(domain_key__isnull=True).exists()
        or PartnerAccount.objects.for_org(org_id).filter(account_map=account_map, domain_key__isnull=True).exists()
    )
    if not domainless and not decisions:
        return []  # every account has a domain: the exact pass said all there is to say
    matched_accounts, matched_rows = _matched_ids(account_map, table)
    vendor = [
        (pk, match_name(name), key is not None)
        for pk, name, key in Account.objects.for_org(org_id).values_list("pk", "name", "domain_key").iterator(2000)
        if pk not in matched_accounts
    ]
    partner = [
        (pk, name_key, key is not None)
        for pk, name_key, key in PartnerAccount.objects.for_org(org_id)
        .filter(account_map=account_map)
        .values_list("pk", "name_key", "domain_key")
        .iterator(2000)
        if pk not in matched_rows
    ]
    row_keys = {pk: name for pk, name, _k in partner}
    found: dict[tuple[int, int], AccountMatch] = {}
    vendor_domainless = {pk for pk, _n, keyed in vendor if not keyed}
    partner_domainless = {pk for pk, _n, keyed in partner if not keyed}
    if vendor_domainless or partner_domainless:
        left = [(pk, name) for pk, name, _k in vendor if pk in vendor_domainless or partner_domainless]
        right = [(pk, name) for pk, name, _k in partner if pk in partner_domainless or vendor_domainless]
        for candidate in match_names(left, right):
            if candidate.left_id not in vendor_domainless and candidate.right_id not in partner_domainless:
                continue  # both have a domain, and the domains differ: two companies
            if decisions.get((candidate.left_id, row_keys[candidate.right_id])) == MatchDecision.Verdict.REJECTED:
                continue
            found[(candidate.left_id, candidate.right_id)] = AccountMatch(
                organization_id=org_id,
                account_map=account_map,
                account_id=candidate.left_id,
                partner_account_id=candidate.right_id,
                method=AccountMatch.Method.NAME,
                confidence=Decimal(str(candidate.score)),
            )
    confirmed = {key for key, verdict in decisions.items() if verdict == MatchDecision.Verdict.CONFIRMED}
    if confirmed:
        by_name: dict[str, list[int]] = {}
        for pk, name, _k in partner:
            by_name.setdefault(name, []).append(pk)
        for account_id, name_key in confirmed:
            for row_id in by_name.get(name_key, ()):
                found[(account_id, row_id)] = AccountMatch(
                    organization_id=org_id,
                    account_map=account_map,
                    account_id=account_id,
                    partner_account_id=row_id,
                    method=AccountMatch.Method.CONFIRMED,
                    confidence=Decimal("1"),
                )
    return list(found.values())


def _rows_on(queryset, table: str | None) -> list[dict]:
    """The rows of a `values(...).annotate(...)` queryset over the matches, read from `table` instead
    when given (a stage not swapped in yet): the compiled SQL's one `FROM` of the matches becomes the
    stage under the matches' name, so every column reference still resolves."""
    if table is None:
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    origin = f"FROM {quote(AccountMatch._meta.db_table)} "
    if sql.count(origin) != 1:
        raise RuntimeError("the matrix query reads the matches more than once; it cannot be pointed at a stage")
    sql = sql.replace(origin, f"FROM {quote(table)} {quote(AccountMatch._meta.db_table)} ")
    names = [*queryset.query.values_select, *queryset.query.annotation_select]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def matrix_refresh(*, account_map: AccountMap, table: str | None = None) -> dict:
    """Recount the matrix from the stored matches (or from `table`, a stage about to be swapped in) in
    two grouped queries (one pass over the matches with a conditional count per vendor population, one
    over the vendor's accounts for the totals). Stored on the map; readers apply the sharing levels
    (`mapping_selectors`)."""
    org_id = account_map.organization_id
    matches = AccountMatch.objects.for_org(org_id).filter(account_map=account_map)
    populations = list(selectors.population_list(org=org_id))
    per_cell = {
        f"p{p.pk}": Count(
            "account_id", distinct=True, filter=selectors.population_q(p, prefix="account__", account_ref="account_id")
        )
        for p in populations
    }
    cells: dict[str, int] = {}
    if per_cell:
        for row in _rows_on(matches.values("partner_account__population").annotate(**per_cell).order_by(), table):
            for p in populations:
                if row[f"p{p.pk}"]:
                    cells[f"{p.pk}:{row['partner_account__population']}"] = row[f"p{p.pk}"]
    totals = (
        Account.objects.for_org(org_id).aggregate(
            **{f"p{p.pk}": Count("pk", filter=selectors.population_q(p)) for p in populations}
        )
        if populations
        else {}
    )
    vendor_totals = {str(p.pk): totals[f"p{p.pk}"] for p in populations}
    partner_totals = {
        row["population"]: row["n"]
        for row in PartnerAccount.objects.for_org(org_id)
        .filter(account_map=account_map)
        .values("population")
        .annotate(n=Count("id"))
        .order_by()
    }
    by_method = {
        row["method"]: row["n"] for row in _rows_on(matches.values("method").annotate(n=Count("id")).order_by(), table)
    }
    result = {
        "cells": cells,
        "vendor_totals": vendor_totals,
        "partner_totals": partner_totals,
        "methods": by_method,
        "matches": sum(by_method.values()),
    }
    AccountMap.objects.for_org(org_id).filter(pk=account_map.pk).update(matrix=result)
    account_map.matrix = result
    return result


def matches_write(account_map: AccountMap) -> dict:
    """Replace the map's matches and matrix (inside the caller's transaction); returns the matrix."""
    if _stage_wanted(account_map):
        stage = _stage_create(account_map)
        _insert_exact(account_map, stage)
        _insert_pairs(account_map, _name_candidates(account_map, stage), stage)
        _stage_seal(account_map, stage)
        result = matrix_refresh(account_map=account_map, table=stage)
        _stage_swap(account_map, stage)
        return result
    AccountMatch.objects.for_org(account_map.organization_id).filter(account_map=account_map).delete()
    _insert_exact(account_map)
    _insert_pairs(account_map, _name_candidates(account_map))
    return matrix_refresh(account_map=account_map)


def account_map_compute(*, job: Job, progress: Progress) -> dict:
    """Recompute one map: exact keys, then names, then the matrix, written in one transaction.

    1. Nothing is compared unless both sides opted in (a map without consent is emptied).
    2. With the partner's own POM accounts as source, copy them first (the one cross-tenant read).
    3. In one transaction: write the exact matches with SQL (integer domain key, registration numbers:
       INSERT … SELECT of the join), the name matches and the confirmed pairs (one INSERT from arrays),
       recount the matrix, stamp `computed_at` with the time the job started (changes made meanwhile
       leave the map stale). A big map (PostgreSQL, `_stage_wanted`) writes them into a fresh table
       without indexes, counts the matrix there and swaps the table in as its partition last (its
       indexes built once, the old partition dropped, not deleted row by row); a small one deletes its
       old rows and inserts into the default partition.
    """
    org_id = job.organization_id
    account_map = (
        AccountMap.objects.for_org(org_id)
        .select_related("partnership__partner")
        .filter(pk=job.params.get("account_map_id"))
        .first()
    )
    if account_map is None:
        return {"skipped": "deleted"}
    started = timezone.now()
    if not account_map.both_opted_in:
        with transaction.atomic():
            progress.hold()
            AccountMatch.objects.for_org(org_id).filter(account_map=account_map).delete()
            AccountMap.objects.for_org(org_id).filter(pk=account_map.pk).update(matrix={}, computed_at=None)
        return {"skipped": "consent"}
    progress.update(done=0, total=4, message=_("Comparing web domains and registration numbers"))
    with transaction.atomic():
        progress.hold()
        if account_map.source == AccountMap.Source.LINKED:
            _refresh_linked_copy(account_map)
        result = matches_write(account_map)
        AccountMap.objects.for_org(org_id).filter(pk=account_map.pk).update(computed_at=started)
    return {"matches": result["matches"], "by_method": result["methods"]}
