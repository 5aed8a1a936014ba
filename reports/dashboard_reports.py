"""The dashboards as report kinds (reports.report_kinds), so scheduled reports can mail them.

The mailed copy is a self-contained HTML document of the dashboard's tables (inline CSS, no scripts,
no charts): the same panels, filters and numbers as the live page, read from the summary tables.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from pom.models import Membership, Organization
from reports import dashboard_selectors as ds
from reports import report_kinds


def can_view(*, org: Organization, user, params: dict | None = None) -> bool:
    """Any member of the organization may see its dashboards; someone who left it may not."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.for_org(org).filter(user=user).exists()


def _render(key: str):
    def render_html(*, org: Organization, user, params: dict | None = None) -> str:
        params = report_kinds.params_clean(params)
        filters = ds.filters_from(params, org=org, today=timezone.localdate())
        title = ds.DASHBOARDS[key][0]
        return render_to_string(
            "reports/dashboards/mail.html",
            {
                "org": org,
                "title": title,
                "filters": filters,
                "panels": ds.dashboard_panels(org=org, key=key, filters=filters),
                "generated_at": timezone.now(),
            },
        )

    return render_html


def _url(key: str):
    def url(*, org: Organization, params: dict | None = None) -> str:
        query = urlencode(
            ds.filters_from(report_kinds.params_clean(params), org=org, today=timezone.localdate()).params()
        )
        return reverse("reports:dashboard", args=[org.slug, key]) + (f"?{query}" if query else "")

    return url


def register_all() -> None:
    for key, (title, _build) in ds.DASHBOARDS.items():
        report_kinds.register(
            report_kinds.ReportKind(
                key=f"dashboard.{key}", title=title, can_view=can_view, render_html=_render(key), url=_url(key)
            )
        )
