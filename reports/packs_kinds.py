"""The QBR pack and Partner Wrapped as report kinds (reports.report_kinds): subscribable, mailed as PDF.

Parameters: `partnership` (id). The pack mailed on a schedule is built from live data for the quarter
so far (it is not stored); Wrapped mails the partnership's latest year in review (or the vendor roll-up
when no partnership is given).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partnership
from reports import packs, report_kinds, wrapped
from reports.packs_access import is_member, partnership_visible
from reports.packs_render import pack_document_html


def _partnership(org, params) -> Partnership | None:
    pid = params.get("partnership")
    if not isinstance(pid, int):
        return None
    return Partnership.objects.for_org(org).select_related("partner", "program", "tier").filter(pk=pid).first()


def _pack_can_view(*, org, user, params) -> bool:
    return partnership_visible(org=org, user=user, partnership_id=params.get("partnership"))


def _pack_html(*, org, user, params) -> str:
    partnership = _partnership(org, params)
    start, end, label = packs.parse_quarter(str(params.get("period", ""))) or packs.quarter_of(timezone.localdate())
    snapshot = packs.pack_snapshot(org=org, partnership=partnership, period_start=start, period_end=end, label=label)
    if not is_member(org=org, user=user):
        snapshot = packs.partner_view(snapshot)

    class _Live:  # the document shows when it was generated: now
        generated_at = timezone.now()

    return pack_document_html(pack=_Live, snapshot=snapshot)


def _pack_url(*, org, params) -> str:
    return reverse("reports:packs", args=[org.slug]) + f"?partnership={params.get('partnership', '')}"


def _wrapped_can_view(*, org, user, params) -> bool:
    if params.get("partnership") is None:
        return is_member(org=org, user=user)
    return partnership_visible(org=org, user=user, partnership_id=params.get("partnership"))


def _wrapped_html(*, org, user, params) -> str:
    year = params.get("year") if isinstance(params.get("year"), int) else wrapped.review_year()
    partnership = _partnership(org, params)
    if partnership is None:
        return render_to_string(
            "reports/packs/wrapped_rollup_document.html", wrapped.wrapped_rollup(org=org, year=year)
        )
    row = wrapped.wrapped_get(org=org, partnership=partnership, year=year)
    snapshot = row.snapshot if row else wrapped.wrapped_figures(org=org, partnership=partnership, year=year)
    notes = list(wrapped.thank_you_list(org=org, partnership=partnership, year=year))
    return render_to_string("reports/packs/wrapped_document.html", {"w": snapshot, "notes": notes})


def _wrapped_url(*, org, params) -> str:
    year = params.get("year") if isinstance(params.get("year"), int) else wrapped.review_year()
    if isinstance(params.get("partnership"), int):
        return reverse("reports:wrapped", args=[org.slug, params["partnership"], year])
    return reverse("reports:wrapped_rollup", args=[org.slug]) + f"?year={year}"


QBR_PACK = report_kinds.register(
    report_kinds.ReportKind(
        key="qbr_pack", title=_("QBR pack (quarter to date)"), can_view=_pack_can_view, render_html=_pack_html,
        url=_pack_url,
    )
)  # fmt: skip
PARTNER_WRAPPED = report_kinds.register(
    report_kinds.ReportKind(
        key="partner_wrapped", title=_("Partner Wrapped"), can_view=_wrapped_can_view, render_html=_wrapped_html,
        url=_wrapped_url,
    )
)  # fmt: skip
