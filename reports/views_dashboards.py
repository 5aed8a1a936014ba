"""Dashboard pages (portfolio, partner unit economics, program view), their table downloads, and list exports.

Views parse the filter bar, read panels from `reports.dashboard_selectors` (summary tables only) and
render. The first visit of an organization whose dashboards were never computed queues the refresh and
shows its progress; later refreshes come from beat and from writes (reports.events), debounced.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from pom import exports
from pom.models import Role
from pom.pages import HtmxFragmentMixin
from pom.tenancy import OrgRequiredMixin
from reports import dashboard_selectors as ds
from reports import list_exports, summary


def _dashboard(key: str):
    if key not in ds.DASHBOARDS:
        raise Http404("No such dashboard")
    return ds.DASHBOARDS[key]


class DashboardView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    """One dashboard: the filter bar, and each panel as a chart with its table view and downloads."""

    template_name = "reports/dashboards/dashboard.html"
    fragment_template_name = "reports/dashboards/_panels.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key = kwargs["key"]
        title, _build = _dashboard(key)
        today = timezone.localdate()
        filters = ds.filters_from(self.request.GET, org=self.org, today=today)
        latest = summary.summary_latest(org=self.org)
        computed = summary.summary_done(org=self.org)
        if latest is None:  # never computed: the first computation starts now, the page shows its progress
            latest = summary.summary_request(org=self.org, actor=self.request.user)
        query = self.request.GET.urlencode()
        context.update(
            key=key,
            title=title,
            dashboards=[(k, v[0]) for k, v in ds.DASHBOARDS.items()],
            filters=filters,
            options=ds.filter_options(org=self.org),
            panels=ds.dashboard_panels(org=self.org, key=key, filters=filters) if computed else [],
            job=latest,
            computed=computed,
            query=query,
        )
        return context


class DashboardRefreshView(OrgRequiredMixin, View):
    """Refresh the summary tables now (managers); the dashboard shows the job's progress."""

    required_role = Role.MANAGER

    def post(self, request, org_slug, key):
        _dashboard(key)
        summary.summary_request(org=self.org, actor=request.user)
        return redirect(reverse("reports:dashboard", args=[self.org.slug, key]))


class DashboardPanelExportView(OrgRequiredMixin, View):
    """A panel's table, as CSV or XLSX: exactly the rows and columns the chart shows with these filters."""

    def get(self, request, org_slug, key, panel, fmt):
        if fmt not in exports.FORMATS:
            raise Http404("No such format")
        _dashboard(key)
        filters = ds.filters_from(request.GET, org=self.org, today=timezone.localdate())
        panels = {p.key: p for p in ds.dashboard_panels(org=self.org, key=key, filters=filters)}
        if panel not in panels:
            raise Http404("No such chart")
        chosen = panels[panel]
        return exports.response(
            header=chosen.columns,
            rows=chosen.rows,
            fmt=fmt,
            filename=f"{key}-{panel}-{self.org.slug}",
            title=str(chosen.title),
        )


class ListExportView(OrgRequiredMixin, View):
    """A list page's rows with its filters, as CSV (streamed) or XLSX; past the row limit, a job."""

    def get(self, request, org_slug, list_key):
        if list_key not in list_exports.EXPORTS:
            raise Http404("No such list")
        fmt = request.GET.get("format", "csv")
        if fmt not in exports.FORMATS:
            raise Http404("No such format")
        export = list_exports.EXPORTS[list_key]
        qs = list_exports.export_queryset(org=self.org, key=list_key, params=request.GET)
        if qs.count() > exports.row_limit():
            job = list_exports.export_request(
                org=self.org, actor=request.user, key=list_key, fmt=fmt, params=request.GET
            )
            return redirect(reverse("org_job", args=[self.org.slug, job.pk]))
        return exports.response(
            header=export.columns,
            rows=export.rows(qs),
            fmt=fmt,
            filename=f"{list_key}-{self.org.slug}",
            title=str(export.title),
        )
