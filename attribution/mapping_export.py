"""CSV exports of what one side may see of a map, streamed from the sharing-aware selectors.

Rows come only from `mapping_selectors.row_payload` / `their_payload`, so an export never holds a
field the page would not show; the query is read in chunks (a fixed number of queries per chunk).
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from attribution import mapping_selectors as selectors
from pom import exports

THEIR_FIELDS = ["domain", "industry", "region", "country", "owner_name", "open_opportunities"]


def _safe(value) -> str:
    return exports.neutralise(value)


def overlap_csv(view: selectors.MapView, rows, *, filename: str) -> StreamingHttpResponse:
    """Accounts in common (a queryset of matches): our name and domain, their name and shared fields."""
    fields = [f for f in THEIR_FIELDS if f in view.their_fields]
    header = (
        [_("Our account"), _("Our domain"), _("Their account")]
        + [f"their {f}" for f in fields]
        + [_("Matched on"), _("Confidence")]
    )

    def lines():
        for match in rows.iterator(chunk_size=2000):
            payload = selectors.row_payload(view, match)
            ours, theirs = payload["ours"], payload["theirs"]
            yield (
                [_safe(ours["name"]), _safe(ours.get("domain")), _safe(theirs["name"])]
                + [_safe(theirs.get(f)) for f in fields]
                + [payload["method_label"], f"{payload['confidence']:.3f}"]
            )

    response = StreamingHttpResponse(
        exports.csv_lines(header=header, rows=lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def their_csv(view: selectors.MapView, rows, *, filename: str) -> StreamingHttpResponse:
    """Accounts of a population the other side shares whole, with the fields it chose."""
    fields = [f for f in THEIR_FIELDS if f in view.their_fields]
    header = [_("Their account")] + [f"their {f}" for f in fields]

    def lines():
        for row in rows.iterator(chunk_size=2000):
            theirs = selectors.their_payload(view, row)["theirs"]
            yield [_safe(theirs["name"])] + [_safe(theirs.get(f)) for f in fields]

    response = StreamingHttpResponse(
        exports.csv_lines(header=header, rows=lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
