"""Benchmark pages (issue 10): How do we compare, the partner tab, goals, maturity, recompute."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from partners.models import Partner, Partnership
from pom import jobs
from pom.models import MATURITY_DIMENSIONS, Maturity, Role
from pom.pages import error_text
from pom.tenancy import OrgRequiredMixin
from reports import benchmark_services as services
from reports.benchmark_models import PeerDimension
from reports.benchmark_tasks import JOB_KIND, benchmarks_request
from reports.benchmarks import selectors
from reports.benchmarks.compute import CROSS_MIN_CHANGE, CROSS_MIN_ORGS, WITHIN_MIN_PEERS
from workspaces import selectors as ws_selectors
from workspaces.views import WorkspaceMixin


class CompareView(OrgRequiredMixin, TemplateView):
    """How do we compare: the organization against its partnerships' spread, anonymised peer
    organizations (when it shares) and the published survey, one card per metric."""

    template_name = "reports/benchmarks/compare.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.comparison_cards(org=self.org))
        context.update(
            org=self.org,
            can_manage=self.role in (Role.OWNER, Role.ADMIN, Role.MANAGER),
            can_admin=self.role in (Role.OWNER, Role.ADMIN),
            job=jobs.job_latest(org=self.org, kind=JOB_KIND),
            min_change=CROSS_MIN_CHANGE,
        )
        return context

    def post(self, request, org_slug):
        """Recompute now (the same job the nightly run queues)."""
        job = benchmarks_request(org=self.org, actor=request.user)
        messages.success(request, _("Benchmarks are being recomputed."))
        return redirect(reverse("reports:benchmarks", args=[self.org.slug]) + f"?job={job.pk}")


class GoalSetView(OrgRequiredMixin, View):
    """ "Set as goal": record the organization's target for one metric."""

    required_role = Role.MANAGER

    def post(self, request, org_slug, metric):
        try:
            services.benchmark_goal_set(
                org=self.org,
                actor=request.user,
                metric=metric,
                target=request.POST.get("target", ""),
                basis=request.POST.get("basis", ""),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc, labelled=True))
        else:
            messages.success(request, _("Goal saved."))
        return redirect(reverse("reports:benchmarks", args=[self.org.slug]) + f"#metric-{metric}")


class PartnerBenchmarksTabView(OrgRequiredMixin, TemplateView):
    """The Benchmarks tab of the partner page: each partnership's rank per metric among the peer
    group the user picks (program, tier, partner type, region or all), with the band and why."""

    template_name = "reports/benchmarks/_partner_tab.html"
    required_role = Role.VIEWER

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = get_object_or_404(Partner.objects.for_org(self.org), pk=self.kwargs["partner_pk"])
        dimension = self.request.GET.get("peers", "program")
        if dimension not in PeerDimension.values:
            dimension = "program"
        partnerships = list(Partnership.objects.for_org(self.org).filter(partner=partner).select_related("program"))
        positions = selectors.partnership_positions(
            org=self.org, partnership_ids=[p.pk for p in partnerships], dimension=dimension
        )
        context.update(
            partner=partner,
            rows=[(p, positions.get(p.pk, [])) for p in partnerships],
            dimension=dimension,
            dimensions=PeerDimension.choices,
            min_peers=WITHIN_MIN_PEERS,
        )
        return context


class MaturityView(OrgRequiredMixin, TemplateView):
    """The crawl / walk / run self-assessment across strategy, data, technology and way of working,
    with the next step for each dimension."""

    template_name = "reports/benchmarks/maturity.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["dimensions"] = [
            {
                "field": field,
                "label": label,
                "level": getattr(self.org, field),
                "next_step": services.NEXT_STEPS[field][getattr(self.org, field)],
            }
            for field, label in MATURITY_DIMENSIONS.items()
        ]
        context.update(levels=Maturity.choices, can_admin=self.role in (Role.OWNER, Role.ADMIN), org=self.org)
        return context

    def post(self, request, org_slug):
        try:
            services.maturity_update(
                org=self.org, actor=request.user, levels={f: request.POST.get(f, "") for f in MATURITY_DIMENSIONS}
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc, labelled=True))
        else:
            messages.success(request, _("Self-assessment saved."))
        return redirect("reports:maturity", org_slug=self.org.slug)


__all__ = ["CompareView", "GoalSetView", "PartnerBenchmarksTabView", "MaturityView", "CROSS_MIN_ORGS"]


class WorkspaceBenchmarksView(WorkspaceMixin, TemplateView):
    """/w/<workspace>/benchmarks/: partner people see their own partnership's position (value,
    rank, band, how many peers) and never other partners' values: no quantiles, which small peer
    groups would give away."""

    template_name = "reports/benchmarks/workspace.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.workspace.organization
        partnerships = list(
            Partnership.objects.for_org(org).filter(workspace_links__workspace=self.workspace).select_related("program")
        )
        positions = selectors.partnership_positions(
            org=org, partnership_ids=[p.pk for p in partnerships], dimension="program"
        )
        for rows in positions.values():
            for row in rows:
                row["quantiles"] = []  # other partners' values stay with the vendor
        context.update(
            workspace=self.workspace,
            access=self.access,
            org=org,
            tab="benchmarks",
            unread_count=ws_selectors.unread_count(user=self.request.user),
            rows=[(p, positions.get(p.pk, [])) for p in partnerships],
            min_peers=WITHIN_MIN_PEERS,
        )
        return context
