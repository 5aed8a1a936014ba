"""The credit ledger's storage: how a run writes its rows and swaps them in (attribution.runs drives it).

On PostgreSQL the ledger `attribution_creditallocation` is partitioned by organization (migration
0007). A run's attempt writes its rows by COPY into its own bare staging table, then seals it
(indexes built once, the ledger's row-level security policy forced on it) and, in the run's swap
transaction, attaches it as the organization's partition in place of the old one. The application
role owns no table and may not create one, and COPY FROM refuses a table whose row-level security
applies to the caller: so the table is created, sealed, swapped and dropped by the SECURITY DEFINER
functions of migration 0011, each checking the organization is in the caller's scope and the run is
running under that attempt; the rows are COPYed by the application role itself, before the seal,
into a table whose CHECK admits only the run's organization.

SQLite keeps the simple path: rows go into the ledger itself tagged with the run.
"""

from __future__ import annotations

import io
import threading

from django.db import connection, transaction

LEDGER_TABLE = "attribution_creditallocation"
LOCK_NAMESPACE = 19_0001  # pg_advisory_xact_lock(namespace, organization id): the ledger's swap lock
INSERT_BATCH = 2000
LEDGER_COLUMNS = (
    "organization_id", "opportunity_id", "partnership_id", "model", "amount", "currency", "share",
    "rule_version", "explanation", "run_id", "created_at", "updated_at",
)  # fmt: skip


def partitioned() -> bool:
    """PostgreSQL, where migration 0007 partitioned the ledger by organization."""
    return connection.vendor == "postgresql"


def ledger_lock(org_id: int) -> None:
    """Serialise the ledger's swap-in with deletions of what it references (inside a transaction).

    A partnership deletion takes it before cascading to the ledger, the run before it drops rows of
    partnerships deleted meanwhile and swaps its table in: whichever comes second sees the other's work.
    SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, org_id])


def stage_name(org_id: int, run_id: int, attempt: int) -> str:
    return f"attribution_ledger_{org_id}_{run_id}_{attempt}"


def stage_prefix(org_id: int | None) -> str:
    return f"attribution_ledger_{org_id}_" if org_id is not None else "attribution_ledger_"


def ledger_tables(org_id: int | None) -> tuple[list[str], list[str]]:
    """(attached partitions, detached staging tables) of an organization (or all, for None)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
               FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE %s ORDER BY c.relname""",
            [stage_prefix(org_id).replace("_", r"\_") + "%"],
        )
        rows = cursor.fetchall()
    return [name for name, attached in rows if attached], [name for name, attached in rows if not attached]


def stage_drop(names) -> None:
    """Drop staging tables that were never attached (pom_ledger_stage_drop checks both, and the scope)."""
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute("SELECT pom_ledger_stage_drop(%s)", [name])


def stage_create(org_id: int, run_id: int, attempt: int) -> str:
    """A bare table shaped like the ledger for one attempt (no index, no foreign key, a CHECK on the
    organization that also lets ATTACH skip its scan); earlier attempts' tables are dropped. Returns its name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pom_ledger_stage_create(%s, %s, %s)", [org_id, run_id, attempt])
        return cursor.fetchone()[0]


def stage_seal(org_id: int, run_id: int, attempt: int) -> None:
    """Build the ledger's indexes on the attempt's table once (ATTACH then only links them) and force the
    ledger's row-level security policy on it: from here on it is guarded like every partition."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pom_ledger_stage_seal(%s, %s, %s)", [org_id, run_id, attempt])


def stage_swap(org_id: int, run_id: int, attempt: int) -> None:
    """Inside the swap transaction: detach and drop the organization's partition (old runs go as tables,
    not row by row), clear its rows from the default partition, attach the attempt's sealed table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pom_ledger_stage_swap(%s, %s, %s)", [org_id, run_id, attempt])


# Writing rows -------------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value as COPY's text format reads it back (backslash, tab and line breaks escaped)."""
    return value.translate(_COPY_ESCAPES)


class LedgerWriter:
    """Collects one attempt's ledger rows and writes them in bulk into `table`.

    PostgreSQL: the rows are COPY text lines written directly (values formatted by the caller: cents
    as fixed-point text, the timestamp once per run, text escaped by `copy_text`), one COPY per
    batch. `start(lines)` runs that COPY in a thread, so the server ingests a chunk while the caller
    computes the next one; the caller must not use the connection until `wait()` returned (psycopg2
    releases the GIL while libpq sends the data and waits for the server). Elsewhere: tuples in
    LEDGER_COLUMNS order, executemany in one transaction per batch, synchronously.
    """

    def __init__(self, table: str):
        self.table = table
        self.copy = connection.vendor == "postgresql"
        self.pending: list = []
        self.written = 0
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def flush(self) -> int:
        self.wait()
        if self.pending:
            self.written += _ledger_insert(self.pending, self.table, text=self.copy)
            self.pending = []
        return self.written

    def start(self, rows: list) -> None:
        """Write `rows` (COPY lines) in a background thread; synchronously where COPY is not used."""
        self.wait()
        if not rows:
            return
        if not self.copy:
            self.written += _ledger_insert(rows, self.table, text=False)
            return
        connection.ensure_connection()
        raw = connection.connection.cursor()
        data = "".join(rows).encode()
        sql = _copy_sql(self.table)

        def copy() -> None:
            try:
                raw.copy_expert(sql, io.BytesIO(data), size=len(data) + 1)
            except BaseException as exc:  # noqa: BLE001 - raised again by wait(), in the caller's thread
                self._error = exc
            finally:
                raw.close()

        self.written += len(rows)
        self._thread = threading.Thread(target=copy, name=f"ledger-copy-{self.table}", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the background COPY finished; raises its error, if any."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _copy_sql(table: str) -> str:
    quote = connection.ops.quote_name
    return f"COPY {quote(table)} ({', '.join(quote(c) for c in LEDGER_COLUMNS)}) FROM STDIN"


def _ledger_insert(rows: list, table: str, *, text: bool) -> int:
    """Write rows: COPY of text lines on PostgreSQL (one statement: atomic by itself), executemany of tuples
    elsewhere. Model instances and per-row SQL would dominate a run over hundreds of thousands of deals."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in LEDGER_COLUMNS)
    if text:
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {quote(table)} ({columns}) FROM STDIN", io.StringIO("".join(rows)))
        return len(rows)
    # One transaction per batch: in autocommit mode SQLite would commit (and sync) every single row.
    with transaction.atomic(), connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(LEDGER_COLUMNS))
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})", rows[start : start + INSERT_BATCH]
            )
    return len(rows)
