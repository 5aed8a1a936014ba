"""The benchmark computation, set-based: within-tenant percentiles, the anonymised cross-tenant
aggregation, and the day's snapshot rows (history). Runs as the `reports.benchmarks` job
(`run_benchmarks`), nightly through beat; safe to run twice (a day's rows are replaced).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from pom import rls
from pom.models import Organization
from reports.benchmark_models import (
    BenchmarkContribution,
    BenchmarkMetric,
    CrossTenantDistribution,
    MetricValue,
    PeerDistribution,
    PeerPercentile,
)
from reports.benchmarks import catalogue
from reports.benchmarks.stats import QUANTILE_NAMES, band, grouped_percentiles

WITHIN_MIN_PEERS = 3  # a within-tenant peer group needs this many partnerships for ranks and quantiles
CROSS_MIN_ORGS = 5  # a cross-tenant distribution needs this many contributing organizations
CROSS_MIN_DISTINCT = 3  # ... and this many distinct values (five equal values would reveal each one)
CROSS_MIN_CHANGE = 3  # two published contributor sets of a metric are equal or differ by >= this many
# Profile levels tried from the narrowest to the broadest; the page says which one answered.
LEVELS: list[tuple[str, ...]] = [
    ("size_band", "industry", "region"),
    ("size_band", "industry"),
    ("size_band",),
    ("industry",),
    ("region",),
    (),
]
DIMENSIONS = ("all", "program", "tier", "partner_type", "region")


def active_metrics() -> dict[str, catalogue.Metric]:
    """Catalogue metrics not switched off in the admin (one query)."""
    off = set(BenchmarkMetric.objects.filter(is_active=False).values_list("code", flat=True))
    return {m.code: m for m in catalogue.METRICS if m.code not in off}


def peer_groups(*, org: Organization) -> dict[int, dict[str, list[str]]]:
    """{partnership_id: {dimension: [group keys]}}; a partner with several types is in several
    type groups; no tier / region / type means no group on that dimension (two queries)."""
    from partners.models import Partnership, PartnerTypeLink

    groups: dict[int, dict[str, list[str]]] = {}
    for pid, program_id, tier_id, region, partner_id in Partnership.objects.for_org(org).values_list(
        "id", "program_id", "tier_id", "partner__region", "partner_id"
    ):
        groups[pid] = {
            "all": ["all"],
            "program": [str(program_id)],
            "tier": [str(tier_id)] if tier_id else [],
            "region": [region] if region else [],
            "partner_type": [],
            "_partner": partner_id,
        }
    types: dict[int, list[str]] = defaultdict(list)
    for partner_id, type_id in PartnerTypeLink.objects.for_org(org).values_list("partner_id", "partner_type_id"):
        types[partner_id].append(str(type_id))
    for entry in groups.values():
        entry["partner_type"] = types.get(entry.pop("_partner"), [])
    return groups


def group_labels(*, org: Organization) -> dict[tuple[str, str], str]:
    """Readable names of peer groups: program, tier and partner-type names, region labels."""
    from partners.models import PartnerType, Program, Tier
    from pom.models import Region

    labels = {("all", "all"): str(_("All partnerships"))}
    labels.update({("program", str(pk)): name for pk, name in Program.objects.for_org(org).values_list("id", "name")})
    labels.update(
        {
            ("tier", str(pk)): f"{program} · {name}"
            for pk, name, program in Tier.objects.for_org(org).values_list("id", "name", "program__name")
        }
    )
    labels.update(
        {("partner_type", str(pk)): name for pk, name in PartnerType.objects.for_org(org).values_list("id", "name")}
    )
    labels.update({("region", value): str(label) for value, label in Region.choices})
    return labels


def _(text):
    from django.utils.translation import gettext

    return gettext(text)


def percentile_rows(values: dict[int, dict[str, tuple]], groups: dict, metrics: dict) -> tuple[list, list]:
    """Flatten (partnership, metric, dimension, group) rows and rank them in one vectorised pass.

    Returns (percentile rows, distribution rows) as tuples ready to insert."""
    keys: dict[tuple[str, str, str], int] = {}
    codes, vals, flips, meta = [], [], [], []
    for pid, by_metric in values.items():
        for metric, (value, _detail) in by_metric.items():
            if metric not in metrics or metrics[metric].scope != "partnership":
                continue
            for dimension in DIMENSIONS:
                for group in groups.get(pid, {}).get(dimension, []):
                    code = keys.setdefault((metric, dimension, group), len(keys))
                    codes.append(code)
                    vals.append(float(value))
                    flips.append(metrics[metric].direction == "lower")
                    meta.append((pid, metric, dimension, group, value))
    if not codes:
        return [], []
    result = grouped_percentiles(
        np.asarray(codes), np.asarray(vals), lower_is_better=np.asarray(flips), min_size=WITHIN_MIN_PEERS
    )
    counts = dict(zip(result.group_codes.tolist(), result.counts.tolist(), strict=True))
    percentiles = []
    for (pid, metric, dimension, group, value), code, rank in zip(meta, codes, result.ranks.tolist(), strict=True):
        ranked = None if rank != rank else Decimal(str(round(rank, 1)))
        percentiles.append(
            (pid, metric, dimension, group, value, ranked, band(rank if ranked is not None else None), counts[code])
        )
    by_code = {code: key for key, code in keys.items()}
    distributions = []
    for code, n, quants in zip(
        result.group_codes.tolist(), result.counts.tolist(), result.quantiles.tolist(), strict=True
    ):
        metric, dimension, group = by_code[code]
        q = [None if x != x else Decimal(str(round(x, 4))) for x in quants]
        distributions.append((metric, dimension, group, n, *q))
    return percentiles, distributions


def _copy_text(value) -> str:
    """A value in COPY's text format: backslash, tab and line breaks escaped."""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _insert(model, fields: list[str], rows) -> int:
    """Insert many rows: COPY on PostgreSQL (the bench writes millions), bulk_create elsewhere.

    PostgreSQL refuses COPY into a table with row-level security, so the rows are copied into a
    temporary table of this session (nobody else's, no policy), then moved with one INSERT … SELECT,
    which the tenant policy checks row by row (a row of another organization is refused)."""
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        stage = quote(f"pom_stage_{model._meta.db_table}")
        columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if v is None else _copy_text(v) for v in row))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(f"CREATE TEMP TABLE {stage} AS SELECT {columns} FROM {table} WITH NO DATA")
            cursor.cursor.copy_expert(f"COPY {stage} ({columns}) FROM STDIN", buffer)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}")
            cursor.execute(f"DROP TABLE {stage}")
        return len(rows)
    # JSON columns arrive as JSON text (what COPY takes); the ORM wants the value itself, or it would
    # store the text as a JSON string.
    json_fields = {f for f in fields if isinstance(model._meta.get_field(f), models.JSONField)}
    objects = []
    for row in rows:
        values = dict(zip(fields, row, strict=True))
        objects.append(model(**{f: json.loads(v) if f in json_fields else v for f, v in values.items()}))
    model.objects.bulk_create(objects, batch_size=2000)
    return len(rows)


def write_within_tenant(
    *, org: Organization, as_of: datetime.date, values, org_values, percentiles, distributions
) -> dict:
    """Replace the day's rows of this organization (safe to run twice) in one transaction."""
    now = timezone.now().isoformat()
    with transaction.atomic():
        for model in (MetricValue, PeerPercentile, PeerDistribution):
            model.objects.for_org(org).filter(as_of=as_of).delete()
        labels = group_labels(org=org)
        value_rows = [
            (org.pk, now, now, as_of, metric, pid, value, json.dumps(detail, default=str))
            for pid, by_metric in values.items()
            for metric, (value, detail) in by_metric.items()
        ]
        value_rows += [
            (org.pk, now, now, as_of, metric, None, value, json.dumps(detail, default=str))
            for metric, (value, detail) in org_values.items()
        ]
        common = ["organization_id", "created_at", "updated_at", "as_of"]
        n_values = _insert(MetricValue, [*common, "metric", "partnership_id", "value", "detail"], value_rows)
        n_ranks = _insert(
            PeerPercentile,
            [*common, "partnership_id", "metric", "dimension", "group_key", "value", "rank", "band", "peers"],
            ((org.pk, now, now, as_of, *row) for row in percentiles),
        )
        n_dists = _insert(
            PeerDistribution,
            [*common, "metric", "dimension", "group_key", "group_label", "members", *QUANTILE_NAMES],
            (
                (org.pk, now, now, as_of, m, d, g, labels.get((d, g), g)[:200], n, *q)
                for m, d, g, n, *q in distributions
            ),
        )
    return {"values": n_values, "percentiles": n_ranks, "distributions": n_dists}


def write_contribution(*, org: Organization, as_of: datetime.date, values, org_values, metrics) -> int:
    """The organization's one value per metric (median over partnerships, or its own value) if it
    opted in; nothing otherwise (opting out removes every contribution at the next run)."""
    with transaction.atomic():
        BenchmarkContribution.objects.for_org(org).delete()
        if not org.benchmark_opt_in:
            return 0
        per_metric: dict[str, list[float]] = defaultdict(list)
        for by_metric in values.values():
            for metric, (value, _detail) in by_metric.items():
                per_metric[metric].append(float(value))
        rows = [
            BenchmarkContribution(
                organization=org, metric=metric, as_of=as_of, value=Decimal(str(round(float(np.median(vs)), 4)))
            )
            for metric, vs in per_metric.items()
            if metric in metrics
        ]
        rows += [
            BenchmarkContribution(organization=org, metric=metric, as_of=as_of, value=value)
            for metric, (value, _detail) in org_values.items()
            if metric in metrics
        ]
        BenchmarkContribution.objects.bulk_create(rows)
    return len(rows)


def contributions_all() -> list[tuple[int, str, Decimal, dict]]:
    """Every opted-in organization's contributions with its profile.

    Cross-tenant ON PURPOSE: the anonymised aggregation is the only reader of other organizations'
    contributions. The result never leaves this module: it is reduced to quantiles of groups of at
    least `CROSS_MIN_ORGS` organizations before anything is stored. It runs inside one organization's
    job, so the database's wall is lifted explicitly for this read only (pom/rls.py)."""
    rows = BenchmarkContribution.objects.filter(organization__benchmark_opt_in=True).values_list(
        "organization_id",
        "metric",
        "value",
        "organization__size_band",
        "organization__industry",
        "organization__region",
    )
    with rls.all_organizations("the benchmarks' cross-tenant pools, reduced to k-anonymous quantiles"):
        return [
            (org_id, metric, value, {"size_band": size, "industry": industry, "region": region})
            for org_id, metric, value, size, industry, region in rows
        ]


def digest(org_id: int) -> str:
    """A keyed hash of an organization id, to compare contributor sets without storing ids."""
    return hmac.new(settings.SECRET_KEY.encode(), f"benchmarks:{org_id}".encode(), hashlib.sha256).hexdigest()[:20]


def group_key(level: tuple[str, ...], profile: dict) -> str:
    return "+".join(f"{field}={profile[field]}" for field in level) or "all"


def publishable(candidate: frozenset, values: list[float], published: list[frozenset]) -> str:
    """'' when the candidate may be published, else the reason it is withheld (docs/benchmarks.md)."""
    if len(candidate) < CROSS_MIN_ORGS:
        return "too_few"
    if len(set(values)) < CROSS_MIN_DISTINCT:
        return "too_uniform"
    for other in published:
        change = len(candidate ^ other)
        if 0 < change < CROSS_MIN_CHANGE:
            return "too_close"
    return ""


def cross_tenant_refresh(*, as_of: datetime.date) -> dict:
    """Aggregate the contributions into published distributions (quantiles only), broadest
    groups first; a group that fails the rules is withdrawn (its rows stop being current)."""
    contributions = contributions_all()
    by_metric: dict[str, dict[int, tuple[float, dict]]] = defaultdict(dict)
    for org_id, metric, value, profile in contributions:
        by_metric[metric][org_id] = (float(value), profile)
    history: dict[str, list[frozenset]] = defaultdict(list)
    for metric, digests in CrossTenantDistribution.objects.values_list("metric", "contributors_digest"):
        history[metric].append(frozenset(digests))
    published, withheld = 0, 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one aggregation at a time (several org jobs may finish together)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [4210])
        previous = {
            (row.metric, row.level, row.group_key): row
            for row in CrossTenantDistribution.objects.filter(is_current=True)
        }
        CrossTenantDistribution.objects.filter(is_current=True).update(is_current=False)
        for metric, orgs in sorted(by_metric.items()):
            candidates: dict[tuple[str, str], list[int]] = defaultdict(list)
            for org_id, (_value, profile) in orgs.items():
                for level in reversed(LEVELS):  # broadest first
                    if all(profile.get(f) for f in level):
                        candidates[("+".join(level) or "all", group_key(level, profile))].append(org_id)
            order = {("+".join(level) or "all"): i for i, level in enumerate(reversed(LEVELS))}
            for (level, key), members in sorted(candidates.items(), key=lambda item: (order[item[0][0]], item[0][1])):
                values = [orgs[m][0] for m in members]
                digests = frozenset(digest(m) for m in members)
                reason = publishable(digests, values, history[metric])
                if reason:
                    withheld += 1
                    last = previous.get((metric, level, key))
                    if reason == "too_close" and last is not None and set(last.contributors_digest) <= digests:
                        # Only newcomers: the last publication stays (it holds no departed contributor).
                        CrossTenantDistribution.objects.filter(pk=last.pk).update(is_current=True)
                    continue
                result = grouped_percentiles(np.zeros(len(values), dtype=np.int64), np.asarray(values))
                q = [Decimal(str(round(x, 4))) for x in result.quantiles[0].tolist()]
                CrossTenantDistribution.objects.update_or_create(
                    metric=metric,
                    level=level,
                    group_key=key,
                    as_of=as_of,
                    defaults={
                        "contributors": len(members),
                        **dict(zip(QUANTILE_NAMES, q, strict=True)),
                        "contributors_digest": sorted(digests),
                        "is_current": True,
                    },
                )
                history[metric].append(digests)
                published += 1
    return {"published": published, "withheld": withheld}


class _NoProgress:
    def update(self, **kwargs):
        pass


def compute_organization(*, org: Organization, today: datetime.date, progress=None) -> dict:
    """Within-tenant metrics and percentiles, then the organization's contribution (steps 1–2)."""
    progress = progress or _NoProgress()
    metrics = active_metrics()
    progress.update(done=0, total=4, message=str(_("Computing metrics")))
    values = catalogue.partnership_values(org=org, today=today)
    org_values = {k: v for k, v in catalogue.organization_values(org=org, today=today).items() if k in metrics}
    values = {pid: {k: v for k, v in by.items() if k in metrics} for pid, by in values.items()}
    progress.update(done=1, total=4, message=str(_("Ranking partnerships among their peers")))
    percentiles, distributions = percentile_rows(values, peer_groups(org=org), metrics)
    written = write_within_tenant(
        org=org, as_of=today, values=values, org_values=org_values, percentiles=percentiles, distributions=distributions
    )
    progress.update(done=2, total=4, message=str(_("Contributing to anonymised benchmarks")))
    written["contributions"] = write_contribution(
        org=org, as_of=today, values=values, org_values=org_values, metrics=metrics
    )
    return written


def run_benchmarks(*, job, progress) -> dict:
    """The `reports.benchmarks` job body: within-tenant, then cross-tenant; the day's rows are
    the snapshot (previous days stay: the history)."""
    org = Organization.objects.get(pk=job.organization_id)
    today = timezone.localdate()
    written = compute_organization(org=org, today=today, progress=progress)
    progress.update(done=3, total=4, message=str(_("Publishing anonymised benchmarks")))
    written.update(cross_tenant_refresh(as_of=today))
    progress.update(done=4, total=4, message=str(_("Done")))
    return {"as_of": today.isoformat(), **written}
