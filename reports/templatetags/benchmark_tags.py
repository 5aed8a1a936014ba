"""Template helpers for the benchmark filter on the partner list."""

from django import template
from django.utils.translation import gettext as _

from reports.benchmark_models import PeerDimension
from reports.benchmarks.catalogue import METRICS

register = template.Library()


@register.simple_tag
def benchmark_filter_options() -> dict:
    return {
        "metrics": [m for m in METRICS if m.scope == "partnership"],
        "dimensions": PeerDimension.choices,
        "thresholds": [(str(n), _("%(n)s or more (top %(top)s %%)") % {"n": n, "top": 100 - n}) for n in (90, 75, 50)],
    }
