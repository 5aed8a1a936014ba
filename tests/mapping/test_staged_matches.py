"""A big map's pairs go into a fresh table swapped in as the map's partition (PostgreSQL, migration 0011):
the same matches and matrix as a small map's, the previous partition dropped, and the helpers refuse a
map outside the transaction's organization scope."""

import pytest
from django.db import DatabaseError, connection, transaction

from attribution.mapping_models import AccountMatch, MatchDecision
from pom import rls
from tests.attribution.test_run_rls import _as_app_role
from tests.factories import AccountFactory
from tests.mapping.conftest import opt_in_both, partner_rows, recompute

ROWS = [
    {"name": "Globex Corp", "name_key": "globex", "domain": "globex.com", "population": "customer"},
    {"name": "INITECH GmbH", "name_key": "initech", "domain": "initech.de", "population": "prospect"},
    {"name": "Hooli Logistic", "name_key": "hooli logistic", "domain": "", "population": "customer"},
    {"name": "Soylent Retail", "name_key": "soylent retail", "domain": "soylent.example", "population": "customer"},
]


def _state(org, account_map):
    pairs = sorted(
        AccountMatch.objects.for_org(org)
        .filter(account_map=account_map)
        .values_list("account__name", "partner_account__name", "method")
    )
    return pairs, account_map.matrix


def _partitions(account_map):
    """The map's generations: the tables attached under its own partition of the matches."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [f"{AccountMatch._meta.db_table}_m{account_map.pk}"],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("partitions and SECURITY DEFINER helpers are PostgreSQL's")  # CI runs on PostgreSQL


def test_a_staged_recomputation_stores_what_a_small_one_does_and_replaces_its_partition(
    postgres, org, scene, admin_user, vendor_accounts, settings
):
    account_map = opt_in_both(scene, admin_user)
    rows = partner_rows(account_map, ROWS)
    MatchDecision.objects.create(
        organization=org,
        account_map=account_map,
        account=vendor_accounts["umbrella"],
        partner_name_key="soylent retail",
        verdict="confirmed",
        side="vendor",
    )
    settings.MAPPING_STAGE_MIN_ROWS = 10**9  # the default partition
    small = _state(org, recompute(account_map))
    assert ("Globex Corporation", "Globex Corp", "domain") in small[0]
    assert ("Hooli Logistics GmbH", "Hooli Logistic", "name") in small[0]
    assert ("Umbrella Health", "Soylent Retail", "confirmed") in small[0]
    assert _partitions(account_map) == []

    settings.MAPPING_STAGE_MIN_ROWS = len(rows)  # this list is big enough for a table of its own
    staged = recompute(account_map)
    assert _state(org, staged) == small
    first = _partitions(account_map)
    assert len(first) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {AccountMatch._meta.db_table}_default WHERE account_map_id = %s", [account_map.pk]
        )
        assert cursor.fetchone()[0] == 0  # the map's rows left the default partition

    AccountFactory(organization=org, name="Soylent", domain="soylent.example", type="prospect")
    again = recompute(account_map)
    pairs, matrix = _state(org, again)
    # The new domain match takes the partner row the person had confirmed for Umbrella (exact first).
    assert ("Soylent", "Soylent Retail", "domain") in pairs and matrix["matches"] == len(pairs) == len(small[0])
    assert ("Umbrella Health", "Soylent Retail", "confirmed") not in pairs
    second = _partitions(account_map)
    assert len(second) == 1 and second != first  # the previous partition was dropped, not kept beside


def test_the_stage_helpers_refuse_a_map_outside_the_scope(postgres, org, other_org, scene, admin_user):
    account_map = opt_in_both(scene, admin_user)
    _as_app_role()  # a superuser may call them for any organization: RLS does not apply to it
    for scope, call, args in (
        (other_org, "pom_accountmatch_stage(%s, %s, current_user::text)", [org.pk, account_map.pk]),
        (other_org, "pom_accountmatch_stage(%s, %s, current_user::text)", [other_org.pk, account_map.pk]),
        (org, "pom_accountmatch_swap(%s, %s, %s)", [org.pk, account_map.pk, "attribution_creditallocation"]),
    ):
        with (
            rls.scope(org_ids=[scope.pk]),
            pytest.raises(DatabaseError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"SELECT {call}", args)
