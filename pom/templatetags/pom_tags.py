"""Template helpers shared by every app's pages (`{% load pom_tags %}`)."""

from __future__ import annotations

import json

from django import template

register = template.Library()


@register.filter
def money(amount, currency: str = "") -> str:
    """`{{ deal.amount|money:deal.currency }}`: the amount with its currency, per the reader's locale
    (`12.500,00 €` in German, `€12,500.00` in English); see pom.l10n."""
    from pom.l10n import money_text

    return money_text(amount, currency)


HIDDEN_FIELDS = {"id", "organization"}  # the same on every row of an organization's trail
MAX_VALUE_CHARS = 160


def _display(value):
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[: MAX_VALUE_CHARS - 1] + "…"
    return value


@register.filter
def audit_changes(changes) -> list[dict]:
    """An audit event's `changes` as rows {field, old, new} for display.

    Updates store {field: [old, new]}; named actions may store plain values, shown as "new".
    Long or structured values are shortened: the API returns them in full.
    """
    if not isinstance(changes, dict):
        return []
    rows = []
    for field, value in changes.items():
        if field in HIDDEN_FIELDS:
            continue
        if isinstance(value, list | tuple) and len(value) == 2:
            old, new = value
        else:
            old, new = None, value
        rows.append({"field": field.replace("_", " "), "old": _display(old), "new": _display(new)})
    return rows


@register.simple_tag(takes_context=True)
def query_with(context, **params) -> str:
    """The current query string with `params` replaced (empty values removed), for links."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else {}
    for key, value in params.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode() if hasattr(query, "urlencode") else ""


@register.simple_tag
def plotly_styles():
    """plotly.js's stylesheet as a file, plus the markers that stop plotly.js injecting `<style>`.

    Used once, in the head of `base.html`; see `pom.plotly_css`.
    """
    from django.urls import reverse
    from django.utils.html import format_html

    from pom.plotly_css import maplibre_style, stylesheet

    _css, etag = stylesheet()
    maplibre_id, _ = maplibre_style()
    html = format_html(
        '<link rel="stylesheet" href="{}?v={}" id="plotly.js-style-global" class="no-inline-styles">',
        reverse("plotly_css"),
        etag,
    )
    if maplibre_id:
        html += format_html('<meta name="pom-plotly-maps" content="styles in plotly.css" id="{}">', maplibre_id)
    return html


@register.inclusion_tag("pom/_picker.html")
def picker(org, kind: str, name: str, value="", id: str = "", label: str = "", required: bool = False):  # noqa: A002
    """`{% picker org "partners" "partner" filters.partner id="f-partner" %}`: the search-as-you-type
    picker (pom/picker.py) for a hand-written filter bar or form; label it with `<label for=id>`."""
    from pom import picker as pickers

    context = pickers.context(org, kind=kind, name=name, value=value, id_=id, label=label)
    return {"picker": {**context, "required": required}}
