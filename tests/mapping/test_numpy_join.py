"""A big map's domain pairs are an SQL join written into its stage, or with MAPPING_DOMAIN_JOIN = "numpy"
joined in numpy and COPYed (attribution.mapping_join); a small map's are an SQL join. All store the same
pairs and matrix, with duplicates on both sides, registration numbers and name matches; the swap locks
only the map's own partition; a deleted map's tables go with it."""

import threading

import numpy as np
import pytest
from django.db import OperationalError, connection, transaction

from attribution import mapping_join
from attribution.mapping_compute import matches_write
from attribution.mapping_models import AccountMap, AccountMatch, MatchDecision
from attribution.models import Account
from pom import rls
from tests.factories import AccountFactory
from tests.mapping.conftest import make_scene, opt_in_both, partner_rows, recompute

TABLE = AccountMatch._meta.db_table


def test_join_keys_is_the_inner_join_many_to_many_in_account_order():
    rng = np.random.default_rng(13)
    left_keys, right_keys = rng.integers(-20, 20, 300), rng.integers(-20, 20, 200)
    left_ids, right_ids = rng.permutation(1000)[:300] + 1, rng.permutation(1000)[:200] + 1
    accounts, partners = mapping_join.join_keys(left_keys, left_ids, right_keys, right_ids)
    expected = sorted(
        (int(a), int(p))
        for a, ka in zip(left_ids, left_keys, strict=True)
        for p, kp in zip(right_ids, right_keys, strict=True)
        if ka == kp
    )
    assert list(zip(accounts.tolist(), partners.tolist(), strict=True)) == expected
    assert len(expected) > 300  # duplicate keys on both sides: more pairs than rows
    empty = mapping_join.join_keys(left_keys, left_ids, right_keys[:0], right_ids[:0])
    assert empty[0].size == empty[1].size == 0


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY and partitions are PostgreSQL's")  # CI runs on PostgreSQL


def _mixed_map(org, scene, admin_user, vendor_accounts):
    """Duplicates on both sides, an account found by domain and by D-U-N-S, registration-only matches,
    a name match, a confirmed and a rejected one."""
    AccountFactory(organization=org, name="Globex Europe", domain="globex.com", type="prospect")  # same key twice
    AccountFactory(organization=org, name="Wayne Enterprises", domain="wayne.example", duns="150483782")
    AccountFactory(organization=org, name="Stark Industries", domain="stark.example", vat="DE123456789")
    AccountFactory(organization=org, name="Dupont SA", domain="", siret="73282932000074")
    AccountFactory(organization=org, name="Tyrell Corporation", domain="", type="prospect")
    account_map = opt_in_both(scene, admin_user)
    rows = partner_rows(
        account_map,
        [
            {"name": "Globex Corp", "domain": "globex.com", "population": "customer"},
            {"name": "Globex GmbH", "domain": "globex.com", "population": "prospect"},  # same key twice
            {"name": "INITECH GmbH", "domain": "initech.de", "population": "opportunity"},
            {"name": "Wayne Ent.", "domain": "wayne.example", "duns": "150483782", "population": "customer"},
            {"name": "Stark Ind", "domain": "stark-industries.example", "vat": "DE123456789", "population": "prospect"},
            {"name": "Du Pont", "domain": "", "siret": "73282932000074", "population": "customer"},
            {"name": "Hooli Logistic", "domain": "", "population": "customer"},
            {"name": "Tyrell Corp", "domain": "", "population": "customer"},
            {"name": "Soylent Retail", "domain": "soylent.example", "population": "customer"},
            {"name": "Unrelated Bakery", "domain": "bakery.example", "population": "customer"},
        ],
    )
    MatchDecision.objects.create(
        organization=org,
        account_map=account_map,
        account=vendor_accounts["umbrella"],
        partner_name_key=rows[8].name_key,
        verdict="confirmed",
        side="vendor",
    )
    MatchDecision.objects.create(
        organization=org,
        account_map=account_map,
        account=Account.objects.for_org(org).get(name="Tyrell Corporation"),
        partner_name_key=rows[7].name_key,
        verdict="rejected",
        side="vendor",
    )
    return account_map, rows


def _stored(org, account_map):
    return sorted(
        AccountMatch.objects.for_org(org)
        .filter(account_map=account_map)
        .values_list("account__name", "partner_account__name", "method", "confidence", "organization_id")
    )


def test_the_numpy_and_sql_paths_store_the_same_pairs(postgres, org, scene, admin_user, vendor_accounts, settings):
    account_map, rows = _mixed_map(org, scene, admin_user, vendor_accounts)
    settings.MAPPING_STAGE_MIN_ROWS = 10**9  # SQL into the default partition
    by_sql = recompute(account_map)
    sql_pairs = _stored(org, account_map)
    settings.MAPPING_STAGE_MIN_ROWS = 1  # into a stage, swapped in: SQL (the default), then numpy and COPY
    staged = recompute(account_map)
    assert _stored(org, account_map) == sql_pairs
    assert staged.matrix == by_sql.matrix
    settings.MAPPING_DOMAIN_JOIN = "numpy"
    by_numpy = recompute(account_map)
    assert _stored(org, account_map) == sql_pairs
    assert by_numpy.matrix == by_sql.matrix
    names = {(a, p, m) for a, p, m, _c, _o in sql_pairs}
    assert {
        ("Globex Corporation", "Globex Corp", "domain"),
        ("Globex Corporation", "Globex GmbH", "domain"),
        ("Globex Europe", "Globex Corp", "domain"),
        ("Globex Europe", "Globex GmbH", "domain"),
        ("Wayne Enterprises", "Wayne Ent.", "domain"),  # once, although the D-U-N-S matches too
        ("Stark Industries", "Stark Ind", "registration"),
        ("Dupont SA", "Du Pont", "registration"),
        ("Hooli Logistics GmbH", "Hooli Logistic", "name"),
        ("Umbrella Health", "Soylent Retail", "confirmed"),
    } <= names
    assert not any(a == "Tyrell Corporation" for a, _p, _m in names)  # rejected
    assert sum(1 for a, p, _m in names if (a, p) == ("Wayne Enterprises", "Wayne Ent.")) == 1
    assert by_numpy.matrix["methods"] == {"domain": 6, "registration": 2, "name": 1, "confirmed": 1}

    # The numpy join itself, on what one query per side read, is the SQL join.
    (vendor_keys, vendor_ids), (partner_keys, partner_ids) = mapping_join.domain_keys(account_map)
    accounts, partners = mapping_join.join_keys(vendor_keys, vendor_ids, partner_keys, partner_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, p.id FROM attribution_account a JOIN attribution_partneraccount p "
            "ON p.domain_key = a.domain_key WHERE a.organization_id = %s AND p.account_map_id = %s ORDER BY 1, 2",
            [org.pk, account_map.pk],
        )
        assert list(zip(accounts.tolist(), partners.tolist(), strict=True)) == cursor.fetchall()


def _other_map_reader(other_org, other_map, results):
    """Another tenant's map page during the swap: its matches' count, waiting at most 2 s for a lock."""
    from django.db import connection as thread_connection

    try:
        with rls.scope(org_ids=[other_org.pk]), transaction.atomic():
            with thread_connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            results.append(AccountMatch.objects.for_org(other_org).filter(account_map=other_map).count())
    except OperationalError as error:
        results.append(getattr(error.__cause__, "pgcode", None) or str(error))
    finally:
        thread_connection.close()


def _read_during(org, account_map, other_org, other_map) -> list:
    """Swap a new generation of `account_map` in and, before the commit, read `other_map` from another
    connection (a thread), as another tenant's page would."""
    results = []
    with transaction.atomic(), rls.scope(org_ids=[org.pk]):
        matches_write(account_map)
        reader = threading.Thread(target=_other_map_reader, args=(other_org, other_map, results))
        reader.start()
        reader.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed rows: two connections
def test_a_swap_locks_only_the_maps_own_partition(org, other_org, admin_user, other_member, settings):
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's")  # CI runs on PostgreSQL
    scene, other_scene = make_scene(org), make_scene(other_org)
    for name, domain in (("Globex", "globex.com"), ("Initech", "initech.de")):
        AccountFactory(organization=org, name=name, domain=domain)
        AccountFactory(organization=other_org, name=name, domain=domain)
    account_map = opt_in_both(scene, admin_user)
    other_map = opt_in_both(other_scene, other_member)
    for each in (account_map, other_map):
        partner_rows(
            each, [{"name": "Globex Corp", "domain": "globex.com"}, {"name": "Initech", "domain": "initech.de"}]
        )
    settings.MAPPING_STAGE_MIN_ROWS = 2
    recompute(account_map)  # the map's first swap: its own partition is created and attached (committed)
    settings.MAPPING_STAGE_MIN_ROWS = 10**9
    recompute(other_map)  # a small map: rows in the default partition
    settings.MAPPING_STAGE_MIN_ROWS = 2
    try:
        assert _read_during(org, account_map, other_org, other_map) == [2]  # not blocked by the swap
        # The same reader on the swapped map itself waits for the commit (the lock the swap does take).
        assert _read_during(org, account_map, org, account_map) == ["55P03"]
        with rls.scope(org_ids=[org.pk]), connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, count(x.indexrelid) FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_index x ON x.indrelid = c.oid "
                "WHERE i.inhparent = to_regclass(%s) GROUP BY 1, 2",
                [f"{TABLE}_m{account_map.pk}"],
            )
            assert cursor.fetchall() == [(True, True, 4)]  # sealed: the tenant policy forced, the 4 indexes
    finally:
        with rls.scope(org_ids=[org.pk]):
            AccountMap.objects.for_org(org).filter(pk=account_map.pk).delete()  # and its tables


def test_deleting_a_map_drops_its_tables(postgres, org, scene, admin_user, vendor_accounts, settings):
    account_map, _rows = _mixed_map(org, scene, admin_user, vendor_accounts)
    settings.MAPPING_STAGE_MIN_ROWS = 1
    recompute(account_map)

    def tables():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relname = %s OR relname LIKE %s",
                [f"{TABLE}_m{account_map.pk}", f"{TABLE}_m{account_map.pk}_".replace("_", "\\_") + "%"],
            )
            return [row[0] for row in cursor.fetchall()]

    assert len(tables()) >= 2  # the map's partition and its generation (plus their indexes)
    other = AccountFactory(organization=org, name="Kept Ltd", domain="kept.example")
    scene.partnership.delete()  # the map goes with its partnership (a cascade)
    assert not AccountMap.objects.for_org(org).filter(pk=account_map.pk).exists()
    assert tables() == []
    assert Account.objects.for_org(org).filter(pk=other.pk).exists()
