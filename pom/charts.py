"""Plotly figures as HTML fragments, with the look every POM chart shares.

A fragment is a `<div class="chart" data-plotly="…">` holding the figure as JSON; `static/js/pom.js`
draws every such div when the page loads and after each HTMX swap. There is no inline script, so
charts work under POM's Content-Security-Policy (`script-src 'self'` plus a per-request nonce)
whoever builds them: a selector, a view, a cached fragment. Pages load plotly.js themselves
(`{% static 'vendor/plotly/plotly.min.js' %}`, deferred or not).
"""

import json

import plotly.graph_objects as go
from django.utils.functional import Promise
from django.utils.html import format_html
from plotly.utils import PlotlyJSONEncoder

PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#64748b"]
CONFIG = {"displayModeBar": False, "responsive": True}


class _ChartEncoder(PlotlyJSONEncoder):
    """Plotly's encoder, plus Django's lazy translations: chart labels are translated text."""

    def default(self, obj):
        if isinstance(obj, Promise):
            return str(obj)
        return super().default(obj)


def figure_html(fig: go.Figure, *, height: int = 320, **layout) -> str:
    """The figure as a responsive fragment that fills its container's width; `layout` overrides."""
    fig.update_layout(
        **{
            "autosize": True,
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": "system-ui, sans-serif", "size": 12},
            **layout,
        }
    )
    return format_html(
        '<div class="chart" data-plotly="{}" data-plotly-config="{}"></div>',
        json.dumps(fig.to_plotly_json(), cls=_ChartEncoder, separators=(",", ":")),
        json.dumps(CONFIG),
    )
