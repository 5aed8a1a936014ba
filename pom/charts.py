"""Plotly figures as HTML fragments, with the look every POM chart shares.

A fragment is a `<div class="chart" data-plotly="…">` holding the figure as JSON; `static/js/pom.js`
draws every such div when the page loads and after each HTMX swap. There is no inline script, so
charts work under POM's Content-Security-Policy (`script-src 'self'` plus a per-request nonce)
whoever builds them: a selector, a view, a cached fragment. Pages load plotly.js themselves
(`{% static 'vendor/plotly/plotly.min.js' %}`, deferred or not).

Every chart has a text alternative (docs/accessibility.md): the drawing is one image with a name
(`role="img"`, `aria-label`), and a "Show as table" fold under it holds the figure's numbers as a
table built from the same traces, so a screen-reader or keyboard user reads what the chart shows.
"""

import datetime
import json
from decimal import Decimal

import plotly.graph_objects as go
from django.utils import formats
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from plotly.utils import PlotlyJSONEncoder

PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#64748b"]
CONFIG = {"displayModeBar": False, "responsive": True}


class _ChartEncoder(PlotlyJSONEncoder):
    """Plotly's encoder, plus Django's lazy translations: chart labels are translated text."""

    def default(self, obj):
        if isinstance(obj, Promise):
            return str(obj)
        return super().default(obj)


def _merge(base: dict, extra: dict) -> dict:
    """`extra` into `base`, nested dicts merged key by key (as plotly's `update_layout` does)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def figure_html(fig: go.Figure, *, height: int = 320, **layout) -> str:
    """The figure as a responsive fragment that fills its container's width; `layout` overrides.

    The shared look is merged into the figure's JSON rather than through `fig.update_layout`, whose
    validation of these constant settings cost ~5 ms a chart (a plan page draws two)."""
    spec = fig.to_plotly_json()
    _merge(
        spec.setdefault("layout", {}),
        {
            "autosize": True,
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": "system-ui, sans-serif", "size": 12},
            **layout,
        },
    )
    return format_html(
        '<div class="chart" data-plotly="{}" data-plotly-config="{}" role="img" aria-label="{}"></div>{}',
        json.dumps(spec, cls=_ChartEncoder, separators=(",", ":")),
        json.dumps(CONFIG),
        chart_label(fig),
        chart_table_html(fig),
    )


def _text(value) -> str:
    return getattr(value, "text", None) or ""


def chart_label(fig: go.Figure) -> str:
    """The chart's accessible name: its title, else what it plots ("Chart: Realised, Planned by today")."""
    title = _text(fig.layout.title)
    if title:
        return title
    names = [trace.name for trace in fig.data if getattr(trace, "name", None)]
    return _("Chart: %(series)s") % {"series": ", ".join(names)} if names else _("Chart")


def _series(trace) -> tuple[list, list] | None:
    """(categories, values) of one trace, whatever its type; None for a trace with no such pairs."""
    kind = trace.type
    if kind == "pie":
        return list(trace.labels or []), list(trace.values or [])
    if kind == "scatterpolar":
        return list(trace.theta or []), list(trace.r or [])
    if kind in ("bar", "scatter", "funnel", "histogram"):
        horizontal = trace.orientation == "h" or (kind == "funnel" and trace.orientation != "v")
        xs, ys = list(trace.x or []), list(trace.y or [])
        return (ys, xs) if horizontal else (xs, ys)
    return None


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = round(value, 2)
        value = int(value) if value.is_integer() else value
    if isinstance(value, int | Decimal) and not isinstance(value, bool) or isinstance(value, float):
        return formats.number_format(value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def chart_table(fig: go.Figure) -> tuple[list[str], list[list[str]]]:
    """The figure's numbers as (headers, rows): one row per category, one column per trace.

    Categories keep the order they first appear in; a trace without a value for a category shows "—".
    Traces that are not category/value pairs (a heat map, an indicator) are left out."""
    columns: list[str] = []
    table: dict = {}
    for index, trace in enumerate(fig.data):
        pairs = _series(trace)
        if pairs is None:
            continue
        columns.append(
            getattr(trace, "name", None) or (_("Value") if len(fig.data) == 1 else f"{_('Series')} {index + 1}")
        )
        for category, value in zip(*pairs, strict=False):
            table.setdefault(str(category) if category is not None else "—", {})[len(columns) - 1] = value
    if not columns:
        return [], []
    first = _text(fig.layout.xaxis.title) if fig.data and _series(fig.data[0]) else ""
    headers = [first or _("Category"), *columns]
    rows = [[category, *(_cell(values.get(i)) for i in range(len(columns)))] for category, values in table.items()]
    return headers, rows


def chart_table_html(fig: go.Figure) -> str:
    """A folded table of the figure's numbers, the chart's text alternative ("" when it has none)."""
    headers, rows = chart_table(fig)
    if not rows:
        return ""
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<th scope="row">{}</th>{}',
                    row[0],
                    format_html_join("", '<td class="num">{}</td>', ((c,) for c in row[1:])),
                ),
            )
            for row in rows
        ),
    )
    return format_html(
        '<details class="chart-table"><summary>{}</summary><div class="table-wrap">'
        '<table class="table keep-table"><caption class="sr-only">{}</caption><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table></div></details>",
        _("Show as table"),
        chart_label(fig),
        head,
        body,
    )
