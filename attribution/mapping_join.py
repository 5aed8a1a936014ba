"""The exact domain overlap of a big map in numpy: each side's (domain key, id) read with one binary COPY,
joined on sorted integer arrays, the pairs written with one binary COPY into the map's stage table.

PostgreSQL only, and only into a stage of `mapping_compute._stage_create` (a bare table: PostgreSQL refuses
COPY FROM into a table whose row-level security applies to the caller; the swap seals it before it is
attached). Reading goes through the tenant policy like any query (`COPY (SELECT …) TO` applies it).
The result is the SQL join's (`mapping_compute._insert_exact` without a stage): every vendor account ×
partner row with the same key, duplicates on either side included, in (account, partner row) order.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from django.db import connection

from attribution.mapping_models import AccountMatch, PartnerAccount
from attribution.models import Account

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = _SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # no flags, no header extension
_TRAILER = b"\xff\xff"
# A row of two non-null bigints as binary COPY writes it: field count, then (length, value) twice.
_KEY_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i8"), ("l2", ">i4"), ("id", ">i8")])
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # PostgreSQL's timestamp origin
COPY_CHUNK = 1 << 20


def _read_keys(sql: str, params: list) -> tuple[np.ndarray, np.ndarray]:
    """(keys, ids) of `sql` (two non-null bigint columns), read with one binary COPY."""
    out = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT (FORMAT binary)", out, size=COPY_CHUNK)
    data = out.getbuffer()
    if bytes(data[: len(_SIGNATURE)]) != _SIGNATURE:
        raise RuntimeError("not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension : len(data) - len(_TRAILER)]
    if len(body) % _KEY_ROW.itemsize or bytes(data[-2:]) != _TRAILER:
        raise RuntimeError("unexpected binary COPY layout")
    rows = np.frombuffer(body, _KEY_ROW)
    if rows.size and not ((rows["n"] == 2).all() and (rows["l1"] == 8).all() and (rows["l2"] == 8).all()):
        raise RuntimeError("unexpected binary COPY row")
    return rows["key"].astype(np.int64), rows["id"].astype(np.int64)


def domain_keys(account_map) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((vendor keys, account ids), (partner keys, partner row ids)): one query per side, keyed rows only."""
    org_id = account_map.organization_id
    # In key order: the (organization, [map,] domain_key, id) indexes give it without a sort, and the
    # binary searches of `join_keys` over sorted keys stay in cache (ten times faster than unsorted).
    vendor = _read_keys(
        f"SELECT domain_key, id FROM {Account._meta.db_table} WHERE organization_id = %s AND domain_key IS NOT NULL "
        "ORDER BY domain_key, id",
        [org_id],
    )
    partner = _read_keys(
        f"SELECT domain_key, id FROM {PartnerAccount._meta.db_table} "
        "WHERE organization_id = %s AND account_map_id = %s AND domain_key IS NOT NULL ORDER BY domain_key, id",
        [org_id, account_map.pk],
    )
    return vendor, partner


def _by_key(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if keys.size > 1 and not (keys[1:] >= keys[:-1]).all():
        order = np.argsort(keys, kind="stable")
        return keys[order], ids[order]
    return keys, ids


def join_keys(
    left_keys: np.ndarray, left_ids: np.ndarray, right_keys: np.ndarray, right_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (left id, right id) whose keys are equal (an inner join, many to many), sorted by left then right id.

    Both sides are sorted by key (unless they come so); each left row finds its run of equal right keys
    by binary search, and the runs are expanded without a Python loop."""
    if not left_keys.size or not right_keys.size:
        empty = np.empty(0, np.int64)
        return empty, empty
    left_keys, left_ids = _by_key(left_keys, left_ids)
    right_keys, right_ids = _by_key(right_keys, right_ids)
    low = np.searchsorted(right_keys, left_keys, "left")
    counts = np.searchsorted(right_keys, left_keys, "right") - low
    hit = counts > 0
    left_ids, low, counts = left_ids[hit], low[hit], counts[hit]
    total = int(counts.sum())
    # Pair j (0-based, over all pairs) of left row i takes right row low[i] + (j - first pair of i).
    first = np.cumsum(counts) - counts
    lefts = np.repeat(left_ids, counts)
    rights = right_ids[np.repeat(low - first, counts) + np.arange(total)]
    order = np.lexsort((rights, lefts))
    return lefts[order], rights[order]


def _microseconds(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def copy_pairs(table: str, account_map, account_ids: np.ndarray, partner_ids: np.ndarray, *, now, method: str) -> int:
    """Write (account, partner row) pairs with `method` and confidence 1 into `table` with one binary COPY
    (the id from the matches' sequence, its default). Returns the number written."""
    count = int(account_ids.size)
    if not count:
        return 0
    label = method.encode()
    row = np.dtype(
        [("n", ">i2")]
        + [
            (name, spec)
            for column in ("c", "u", "o", "m", "a", "p")
            for name, spec in ((f"l{column}", ">i4"), (column, ">i8"))
        ]
        + [("lmethod", ">i4"), ("method", f"S{len(label)}"), ("lconf", ">i4"), ("conf", ">i2", (5,))]
    )
    rows = np.empty(count, row)
    rows["n"] = 8
    for column in ("c", "u", "o", "m", "a", "p"):
        rows[f"l{column}"] = 8
    stamp = _microseconds(now)
    rows["c"], rows["u"] = stamp, stamp
    rows["o"], rows["m"] = account_map.organization_id, account_map.pk
    rows["a"], rows["p"] = account_ids, partner_ids
    rows["lmethod"], rows["method"] = len(label), label
    rows["lconf"], rows["conf"] = 10, (1, 0, 0, 0, 1)  # numeric 1: one digit, weight 0, positive, scale 0
    stream = io.BytesIO(b"".join((_HEADER, rows.tobytes(), _TRAILER)))
    columns = (
        "created_at, updated_at, organization_id, account_map_id, account_id, partner_account_id, method, confidence"
    )
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN (FORMAT binary)", stream, size=COPY_CHUNK
        )
    return count


def insert_domain_pairs(account_map, table: str, *, now) -> int:
    """The map's domain pairs into the stage `table`: read both sides, join in numpy, COPY. Returns the count."""
    (vendor_keys, vendor_ids), (partner_keys, partner_ids) = domain_keys(account_map)
    accounts, partners = join_keys(vendor_keys, vendor_ids, partner_keys, partner_ids)
    return copy_pairs(table, account_map, accounts, partners, now=now, method=AccountMatch.Method.DOMAIN)
