"""How a frozen QBR pack is shown: a web page (plotly), a self-contained HTML document with inline SVG
charts (the PDF, the mailed copy), a PDF through WeasyPrint and an editable PowerPoint deck.

Every output reads the pack's snapshot only, never live data, so each shows the pack as generated.
"""

from __future__ import annotations

import io
import logging
import math
from decimal import Decimal

import plotly.graph_objects as go
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pom.charts import PALETTE, figure_html
from reports import score_selectors


def _f(value) -> float:
    return float(Decimal(value)) if value not in (None, "") else 0.0


# --- charts ----------------------------------------------------------------------------------------


def svg_bars(rows: list[tuple[str, float]], *, maximum: float = 100.0, unit: str = "%") -> str:
    """Horizontal bars as inline SVG (WeasyPrint and mail clients draw SVG; they run no scripts)."""
    if not rows:
        return ""
    height = 26 * len(rows) + 6
    bars = []
    for i, (label, value) in enumerate(rows):
        width = max(0.0, min(1.0, value / maximum if maximum else 0)) * 300
        y = 26 * i + 4
        bars.append(
            format_html(
                '<text x="0" y="{}" font-size="11">{}</text>'
                '<rect x="210" y="{}" width="300" height="16" fill="#e5e7eb"/>'
                '<rect x="210" y="{}" width="{}" height="16" fill="{}"/>'
                '<text x="516" y="{}" font-size="11">{}{}</text>',
                y + 12,
                label[:34],
                y,
                y,
                width,
                PALETTE[0],
                y + 12,
                f"{value:.0f}",
                unit,
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="svg-chart" viewBox="0 0 560 {}" width="560" height="{}"'
        ' role="img">{}</svg>',
        height,
        height,
        mark_safe("".join(bars)),
    )


def svg_radar(elements: list[dict]) -> str:
    """The TACAM hexagon as inline SVG: score (filled), target (dashed), peer average (dotted)."""
    if not elements:
        return ""
    n, cx, cy, radius = len(elements), 160, 150, 110

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(100.0, value)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def polygon(key: str) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, _f(e.get(key))) for i, e in enumerate(elements)))

    grid = "".join(
        f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))}"'
        ' fill="none" stroke="#e5e7eb"/>'
        for level in (25, 50, 75, 100)
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="middle">{}</text>',
        ((f"{x:.1f}", f"{y:.1f}", e["label"]) for i, e in enumerate(elements) for x, y in [point(i, 122)]),
    )
    parts = [
        grid,
        f'<polygon points="{polygon("value")}" fill="{PALETTE[0]}" fill-opacity="0.25" stroke="{PALETTE[0]}"/>',
    ]
    if any(e.get("target") for e in elements):
        parts.append(
            f'<polygon points="{polygon("target")}" fill="none" stroke="{PALETTE[2]}" stroke-dasharray="5,3"/>'
        )
    if any(e.get("peer") for e in elements):
        parts.append(f'<polygon points="{polygon("peer")}" fill="none" stroke="{PALETTE[1]}" stroke-dasharray="2,2"/>')
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="svg-chart" viewBox="0 0 320 300" width="320" height="300"'
        ' role="img">{}{}</svg>',
        mark_safe("".join(parts)),
        labels,
    )


def kr_rows(snapshot: dict) -> list[tuple[str, float]]:
    return [
        (kr["name"], _f(kr["progress"]))
        for plan in snapshot.get("plans", [])
        for kr in plan["key_results"]
        if kr["progress"] is not None
    ]


def plotly_charts(snapshot: dict) -> dict:
    """The web page's charts (plotly, drawn by static/js/pom.js) from the frozen snapshot."""
    charts = {}
    rows = kr_rows(snapshot)
    if rows:
        fig = go.Figure(
            go.Bar(
                x=[v for _l, v in rows], y=[label for label, _v in rows], orientation="h", marker={"color": PALETTE[0]}
            )
        )
        charts["key_results"] = figure_html(
            fig,
            height=60 + 28 * len(rows),
            xaxis={"range": [0, 100]},
            yaxis={"autorange": "reversed", "automargin": True},
        )
    elements = snapshot.get("tacam", {}).get("elements") or []
    if elements:
        keys = [e["key"] for e in elements]
        charts["tacam"] = score_selectors.radar_html(
            value={e["key"]: e["value"] for e in elements},
            target={e["key"]: e["target"] for e in elements if e["target"]},
            peer={e["key"]: e["peer"] for e in elements if e["peer"]} or None,
            elements=keys,
        )
    return charts


def svg_charts(snapshot: dict) -> dict:
    charts = {}
    rows = kr_rows(snapshot)
    if rows:
        charts["key_results"] = svg_bars(rows)
    elements = snapshot.get("tacam", {}).get("elements") or []
    if elements:
        charts["tacam"] = svg_radar(elements)
    return charts


# --- documents -------------------------------------------------------------------------------------


def pack_document_html(*, pack, snapshot: dict) -> str:
    """The pack as one self-contained HTML document (inline CSS, SVG charts): the PDF's source."""
    return render_to_string(
        "reports/packs/document.html",
        {"pack": pack, "s": snapshot, "charts": svg_charts(snapshot), "document": True},
    )


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint, offline: the document carries its CSS and charts, so nothing is fetched."""
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one INFO line per layout step
    return HTML(string=html, base_url=None).write_pdf()


def pack_pdf(*, pack, snapshot: dict) -> bytes:
    return html_to_pdf(pack_document_html(pack=pack, snapshot=snapshot))


def pack_pptx(*, pack, snapshot: dict) -> bytes:
    """An editable deck: real text boxes, native tables and native charts (people change them in PowerPoint)."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank, title_layout = deck.slide_layouts[6], deck.slide_layouts[0]

    def slide(title: str):
        s = deck.slides.add_slide(blank)
        box = s.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9))
        box.text_frame.text = title
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(28)
        box.text_frame.paragraphs[0].runs[0].font.bold = True
        return s

    def table(s, header: list[str], rows: list[list], top: float = 1.3):
        rows = rows[:14] or [[_("Nothing in this period")] + [""] * (len(header) - 1)]
        shape = s.shapes.add_table(len(rows) + 1, len(header), Inches(0.5), Inches(top), Inches(12.3), Inches(0.4))
        for c, text in enumerate(header):
            shape.table.cell(0, c).text = str(text)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                shape.table.cell(r, c).text = "" if value is None else str(value)
        return shape

    def bullets(s, lines: list[str], top: float = 1.3, left: float = 0.5, width: float = 12.3):
        box = s.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(5.5))
        frame = box.text_frame
        frame.word_wrap = True
        lines = lines or [_("Nothing in this period")]
        frame.text = lines[0]
        for line in lines[1:]:
            frame.add_paragraph().text = line
        return box

    first = deck.slides.add_slide(title_layout)
    first.shapes.title.text = _("Partner Business Review")
    first.placeholders[1].text = f"{snapshot['partner']} · {snapshot['program']} · {snapshot['period']['label']}"

    s = slide(_("Plan status"))
    table(
        s,
        [_("Plan"), _("Status"), _("Progress %"), _("Health"), _("Overdue")],
        [[p["name"], p["status"], p["progress"] or "—", p["health"] or "—", p["overdue"]] for p in snapshot["plans"]],
    )

    s = slide(_("Key results"))
    rows = kr_rows(snapshot)
    if rows:
        data = CategoryChartData()
        data.categories = [label for label, _v in rows][:15]
        data.add_series(_("Progress %"), [v for _l, v in rows][:15])
        s.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(0.5), Inches(1.3), Inches(12.3), Inches(5.8), data)
    else:
        bullets(s, [_("No key result with a target in this period.")])

    acts = snapshot["activities"]
    s = slide(_("Activities done and late"))
    bullets(
        s,
        [
            _("Done in the period: %(n)s") % {"n": acts["done_count"]},
            *[f"✓ {a['title']} ({a['done']})" for a in acts["done"][:10]],
        ],
        width=6,
    )
    bullets(
        s,
        [
            _("Late now: %(n)s") % {"n": acts["late_count"]},
            *[f"! {a['title']} ({_('due')} {a['due']})" for a in acts["late"][:10]],
        ],
        left=6.8,
        width=6,
    )

    pipe = snapshot["pipeline"]
    s = slide(_("Pipeline and registrations"))
    table(
        s,
        [_("Deals"), _("Count"), _("Amount") + f" ({pipe['currency']})"],
        [
            [_("Open now"), pipe["open"]["count"], pipe["open"]["amount"]],
            [_("Created in the period"), pipe["created"]["count"], pipe["created"]["amount"]],
            [_("Won in the period"), pipe["won"]["count"], pipe["won"]["amount"]],
            [_("Lost in the period"), pipe["lost"]["count"], pipe["lost"]["amount"]],
            [_("Deal registrations submitted"), pipe["registrations_total"], ""],
        ],
    )

    s = slide(_("Attribution credit"))
    table(
        s,
        [_("Model"), _("Credited on deals won") + f" ({pipe['currency']})"],
        [[c["model"], c["amount"]] for c in snapshot["credit"]],
    )

    tacam = snapshot["tacam"]
    s = slide(_("TACAM scores"))
    if tacam.get("elements"):
        data = CategoryChartData()
        data.categories = [e["label"] for e in tacam["elements"]]
        data.add_series(_("Score"), [_f(e["value"]) for e in tacam["elements"]])
        if any(e["target"] for e in tacam["elements"]):
            data.add_series(_("Target"), [_f(e["target"]) for e in tacam["elements"]])
        chart = s.shapes.add_chart(XL_CHART_TYPE.RADAR, Inches(0.5), Inches(1.3), Inches(7), Inches(5.8), data).chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        table(
            s,
            [_("Element"), _("Score"), _("Target"), _("Peer average")],
            [[e["label"], e["value"] or "—", e["target"] or "—", e["peer"] or "—"] for e in tacam["elements"]],
            top=1.3,
        ).left = Inches(7.8)
    else:
        bullets(s, [_("No TACAM score yet.")])

    s = slide(_("Benchmark position"))
    table(
        s,
        [_("Metric"), _("Value"), _("Rank"), _("Band"), _("Peers")],
        [
            [b["metric"], b["value"], b["rank"] if b["rank"] is not None else "—", b["band"], b["peers"]]
            for b in snapshot["benchmarks"]
        ],
    )

    s = slide(_("Meetings and decisions"))
    lines = []
    for m in snapshot["meetings"]:
        lines.append(f"{m['date']} · {m['title']}")
        lines += [f"    → {d}" for d in m["decisions"]]
    bullets(s, lines)

    s = slide(_("Next best actions"))
    bullets(s, [f"{a['title']}" + (f" — {a['detail']}" if a["detail"] else "") for a in snapshot["actions"]])

    nxt = snapshot["next_period"]
    s = slide(_("Next period: proposals") + f" ({nxt['start']} – {nxt['end']})")
    bullets(
        s,
        [
            *[f"{p['name']} ({p['status']})" for p in nxt["plans"]],
            *[f"{a['title']} — {_('due')} {a['due']}" for a in nxt["activities"]],
        ],
    )

    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()
