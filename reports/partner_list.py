"""The benchmarks percentile on the partner list (hook `pom.hooks.partner_list_extensions`).

`?bench_metric=win_rate&bench_peers=partner_type&bench_min=75` with the list's own `type` filter
reads "top 25 % on win rate among referral partners". A partner's figure is the best rank of its
partnerships (latest computed day). Filter: one subquery; column: one query per page.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils.translation import gettext as _

from reports.benchmark_models import PeerDimension, PeerPercentile
from reports.benchmarks.catalogue import BY_CODE
from reports.benchmarks.selectors import latest_as_of


class _Extension:
    filter_template = "reports/benchmarks/_partner_list_filter.html"

    def _ranks(self, org, params):
        metric = params.get("bench_metric", "")
        if metric not in BY_CODE or BY_CODE[metric].scope != "partnership":
            return None, None
        dimension = params.get("bench_peers", "all")
        dimension = dimension if dimension in PeerDimension.values else "all"
        rows = PeerPercentile.objects.for_org(org).filter(
            as_of=latest_as_of(org=org), metric=metric, dimension=dimension, rank__isnull=False
        )
        if dimension in ("partner_type", "program", "tier", "region"):
            key = {"partner_type": "type", "program": "program", "tier": "tier", "region": "region"}[dimension]
            if params.get(key):
                rows = rows.filter(group_key=params[key])
        return rows, BY_CODE[metric]

    def filter_partners(self, *, org, queryset, params):
        rows, _metric = self._ranks(org, params)
        try:
            minimum = float(params.get("bench_min", "") or "nan")
        except ValueError:
            minimum = float("nan")
        if rows is None or minimum != minimum:
            return queryset
        return queryset.filter(pk__in=rows.filter(rank__gte=minimum).values("partnership__partner_id"))

    def column(self, *, org, partner_ids, params):
        rows, metric = self._ranks(org, params)
        if rows is None:
            return None
        values = dict(
            rows.filter(partnership__partner_id__in=partner_ids)
            .order_by()
            .values_list("partnership__partner_id")
            .annotate(best=Max("rank"))
        )
        return {
            "label": _("Percentile: %(metric)s") % {"metric": metric.label},
            "values": {pid: f"{rank:.0f}" for pid, rank in values.items()},
        }


EXTENSION = _Extension()
