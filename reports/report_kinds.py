"""The reports people can subscribe to: one registry shared by dashboards, QBR packs and Partner Wrapped.

A report kind says who may see it, renders itself as HTML for a given organization, viewer and
parameters (filters, period, partnership), and gives the link a mailed copy points to. Scheduled
reports (reports.schedules) look kinds up here, so a dashboard or a pack becomes subscribable by
registering once, in its app's ``ready()`` or at import of its views module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: str | Promise
    # can_view(org=, user=, params=) -> bool: may this person see this report with these parameters now?
    can_view: Callable[..., bool]
    # render_html(org=, user=, params=) -> str: a self-contained HTML document (inline CSS, no scripts needed)
    render_html: Callable[..., str]
    # url(org=, params=) -> str: absolute path of the live report in POM, for the mailed link
    url: Callable[..., str]


_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Add a report kind; registering the same key twice replaces it (module reloads in tests)."""
    _KINDS[kind.key] = kind
    return kind


def get(key: str) -> ReportKind | None:
    return _KINDS.get(key)


def all_kinds() -> list[ReportKind]:
    return sorted(_KINDS.values(), key=lambda kind: str(kind.title))


def params_clean(params: Any) -> dict:
    """Parameters are stored as JSON: keep only str keys with str, int, or list-of-str values."""
    if not isinstance(params, dict):
        return {}
    clean = {}
    for key, value in params.items():
        if not isinstance(key, str):
            continue
        scalar = isinstance(value, str | int) and not isinstance(value, bool)
        strings = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if scalar or strings:
            clean[key] = value
    return clean
