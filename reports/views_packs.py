"""QBR pack and Partner Wrapped pages, vendor side (/o/<org>/reports/…) and workspace side (/w/<ws>/…).

The two sides share one mixin per feature; they differ only in how the visible partnerships are found
(every partnership of the organization, or the ones the workspace shares) and in what partner people
see of a pack (reports.packs.partner_view).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from partners.models import Partnership
from pom import picker
from pom.models import Role
from pom.pages import OrgPage, error_text
from pom.web import paginate, query_without_page
from reports import packs, packs_render, wrapped
from reports.packs_access import workspace_partnerships
from workspaces.models import Side
from workspaces.views import WorkspaceMixin


class _VendorSide(OrgPage):
    """Vendor people: every partnership of the organization; managers generate."""

    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}
    side = Side.VENDOR

    def scope_org(self):
        return self.org

    uses_picker = True  # an organization may have thousands: a search-as-you-type picker, no <select>

    def partnerships(self):
        return (
            Partnership.objects.for_org(self.org)
            .select_related("partner", "program")
            .order_by("partner__name", "program__name")
        )

    def url(self, name: str, *args) -> str:
        return reverse(f"reports:{name}", args=[self.org.slug, *args])

    def side_context(self, **extra) -> dict:
        defaults = {"can_generate": self.can_write, "side": "vendor", "base": "reports/packs/_vendor_base.html"}
        return self.ctx(**{**defaults, **extra})  # a page may decide `can_generate` itself (Wrapped)

    def snapshot_for(self, pack) -> dict:
        return pack.snapshot

    def can_generate(self) -> bool:
        return self.can_write

    def can_note(self) -> bool:
        return True


class _WorkspaceSide(WorkspaceMixin):
    """Partner people (and vendor people inside the workspace): the workspace's partnerships only."""

    @property
    def side(self) -> str:
        return self.access.side

    def scope_org(self):
        return self.workspace.organization

    uses_picker = False  # the workspace's few partnerships, as a <select>

    def partnerships(self):
        return workspace_partnerships(workspace=self.workspace)

    def url(self, name: str, *args) -> str:
        return reverse(f"reports-ws:{name}", args=[self.workspace.public_id, *args])

    def side_context(self, **extra) -> dict:
        return {**self.base_context(extra.pop("tab", "packs")), "can_generate": self.access.can_edit,
                "side": self.access.side, "base": "reports/packs/_ws_base.html", **extra}  # fmt: skip

    def snapshot_for(self, pack) -> dict:
        return pack.snapshot if self.access.is_vendor else packs.partner_view(pack.snapshot)

    def can_generate(self) -> bool:
        return self.access.can_edit

    def can_note(self) -> bool:
        return self.access.can_edit


def _partnership_or_404(view, pk) -> Partnership:
    try:
        return view.partnerships().get(pk=int(pk))
    except (Partnership.DoesNotExist, TypeError, ValueError):
        raise Http404("No such partnership") from None


# --- QBR packs -------------------------------------------------------------------------------------


class _PackList:
    template_name = "reports/packs/list.html"

    def _chosen(self, data) -> tuple[QueryDict, str]:
        """`data` with the partnership a typed name designates (the picker without JavaScript), and the
        error to show when it designates none or several."""
        if not self.uses_picker:
            return data, ""
        return picker.resolve_query(data, org=self.scope_org(), field="partnership", kind="partnerships")

    def get(self, request, *args, **kwargs):
        org = self.scope_org()
        data, picker_error = self._chosen(request.GET)
        selected = data.get("partnership", "")
        choices = None if self.uses_picker else list(self.partnerships())
        ids = None if choices is None else [p.pk for p in choices]
        # One partnership when one is chosen (and visible here), else all: org-wide needs no id list.
        shown = [int(selected)] if selected.isdigit() and (ids is None or int(selected) in ids) else ids
        page = paginate(request, packs.pack_list(org=org, partnership_ids=shown), per_page=25)
        return render(
            request,
            self.template_name,
            self.side_context(
                page=page,
                query=query_without_page(request),
                uses_picker=self.uses_picker,
                partnerships=choices,
                has_partnerships=bool(choices) if choices is not None else self.partnerships().exists(),
                selected=selected,
                picker_error=picker_error,
                quarters=packs.quarter_choices(),
                pending=[
                    {"job": job, "poll_url": self.url("pack_job", job.pk)}
                    for job in packs.pack_jobs(org=org, partnership_ids=shown)
                ],
                list_url=self.url("packs"),
            ),
        )

    def post(self, request, *args, **kwargs):
        # Roles are checked by the side's mixin: vendor managers, workspace editors (both sides).
        data, picker_error = self._chosen(request.POST)
        if picker_error:
            messages.error(request, _("Partnership: %(error)s") % {"error": picker_error})
            return redirect(self.url("packs"))
        partnership = _partnership_or_404(self, data.get("partnership"))
        period = packs.parse_quarter(data.get("period", ""))
        if period is None:
            messages.error(request, _("Choose a quarter."))
            return redirect(self.url("packs"))
        start, end, label = period
        job = packs.pack_request(
            org=self.scope_org(), actor=request.user, partnership=partnership, period_start=start, period_end=end,
            label=label, side=self.side,
        )  # fmt: skip
        messages.success(request, _("The QBR pack is being generated from live data."))
        return redirect(self.url("packs") + f"?partnership={partnership.pk}&job={job.pk}")


class PackListView(_PackList, _VendorSide, View):
    """QBR packs of every partnership; one click generates a new one for a quarter."""


class WorkspacePackListView(_PackList, _WorkspaceSide, View):
    """QBR packs of the workspace's partnerships; editors on both sides generate."""

    required_roles = {"POST": "editor"}


class _PackJob:
    """The generation's status as a fragment the list page polls (HTMX every two seconds)."""

    def get(self, request, *args, pk, **kwargs):
        ids = [p.pk for p in self.partnerships()]
        job = packs.pack_job(org=self.scope_org(), pk=pk, partnership_ids=ids)
        if job is None:
            raise Http404("No such job")
        pack_id = (job.result or {}).get("pack_id")
        return render(
            request,
            "reports/packs/_job.html",
            {
                "job": job,
                "pack_url": self.url("pack", pack_id) if pack_id else "",
                "poll_url": self.url("pack_job", pk),
            },
        )


class PackJobView(_PackJob, _VendorSide, View):
    pass


class WorkspacePackJobView(_PackJob, _WorkspaceSide, View):
    pass


class _PackDetail:
    def pack(self, pk):
        pack = packs.pack_get(org=self.scope_org(), pk=pk, partnership_ids=[p.pk for p in self.partnerships()])
        if pack is None:
            raise Http404("No such pack")
        return pack

    def get(self, request, *args, pk, fmt="html", **kwargs):
        pack = self.pack(pk)
        snapshot = self.snapshot_for(pack)
        name = f"qbr-{slugify(snapshot['partner'])}-{pack.period_label}"
        if fmt == "pdf":
            response = HttpResponse(packs_render.pack_pdf(pack=pack, snapshot=snapshot), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
        if fmt == "pptx":
            response = HttpResponse(
                packs_render.pack_pptx(pack=pack, snapshot=snapshot),
                content_type="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.pptx"'
            return response
        return render(
            request,
            "reports/packs/detail.html",
            self.side_context(
                pack=pack,
                s=snapshot,
                charts=packs_render.plotly_charts(snapshot),
                pdf_url=self.url("pack_pdf", pack.pk),
                pptx_url=self.url("pack_pptx", pack.pk),
                list_url=self.url("packs"),
            ),
        )


class PackDetailView(_PackDetail, _VendorSide, View):
    """One frozen pack, as generated, with its PDF and PowerPoint downloads."""


class WorkspacePackDetailView(_PackDetail, _WorkspaceSide, View):
    """One frozen pack in the workspace (partner people see the TACAM elements the vendor shares)."""


# --- Partner Wrapped -------------------------------------------------------------------------------


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= timezone.localdate().year else default


class _WrappedDetail:
    """One partnership's year in review: the page to share, its PDF and PNG, thank-you lines."""

    def get(self, request, *args, partnership_pk, year, fmt="html", **kwargs):
        org = self.scope_org()
        partnership = _partnership_or_404(self, partnership_pk)
        row = wrapped.wrapped_get(org=org, partnership=partnership, year=year)
        notes = list(wrapped.thank_you_list(org=org, partnership=partnership, year=year))
        if row is None and fmt != "html":
            raise Http404("Not generated yet")
        if fmt == "png":
            png = wrapped.wrapped_png(snapshot=row.snapshot, notes=[n.text for n in notes])
            response = HttpResponse(png, content_type="image/png")
            response["Content-Disposition"] = (
                f'inline; filename="wrapped-{year}-{slugify(partnership.partner.name)}.png"'
            )
            return response
        if fmt == "pdf":
            from django.template.loader import render_to_string

            html = render_to_string("reports/packs/wrapped_document.html", {"w": row.snapshot, "notes": notes})
            response = HttpResponse(packs_render.html_to_pdf(html), content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="wrapped-{year}-{slugify(partnership.partner.name)}.pdf"'
            )
            return response
        mine = next((n for n in notes if n.author_id == request.user.pk), None)
        return render(
            request,
            "reports/packs/wrapped.html",
            self.side_context(
                tab="wrapped",
                partnership=partnership,
                year=year,
                row=row,
                w=row.snapshot if row else None,
                notes=notes,
                mine=mine,
                png_url=self.url("wrapped_png", partnership.pk, year),
                pdf_url=self.url("wrapped_pdf", partnership.pk, year),
                self_url=self.url("wrapped", partnership.pk, year),
                can_note=self.can_note(),
                can_generate=self.can_generate(),
            ),
        )

    def post(self, request, *args, partnership_pk, year, **kwargs):
        org = self.scope_org()
        partnership = _partnership_or_404(self, partnership_pk)
        if request.POST.get("action") == "generate":
            if not self.can_generate():
                raise PermissionDenied("Generating needs the manager role.")
            wrapped.wrapped_request(org=org, actor=request.user, year=year, partnership=partnership)
            messages.success(request, _("Your year in review is being generated."))
        else:
            try:
                wrapped.thank_you_set(org=org, actor=request.user, partnership=partnership, year=year,
                                      text=request.POST.get("text", ""), side=self.side)  # fmt: skip
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Thank you line saved."))
        return redirect(self.url("wrapped", partnership.pk, year))


class WrappedView(_WrappedDetail, _VendorSide, View):
    required_roles = {"GET": Role.VIEWER, "POST": Role.VIEWER}  # anyone involved may thank; generating needs manager


class WorkspaceWrappedView(_WrappedDetail, _WorkspaceSide, View):
    pass


class WrappedRollupView(_VendorSide, TemplateView):
    """The vendor's year across partners: totals and each partnership's Wrapped, biggest revenue first."""

    template_name = "reports/packs/wrapped_rollup.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = _year(self.request.GET.get("year"), wrapped.review_year())
        rollup = wrapped.wrapped_rollup(org=self.org, year=year)
        context.update(
            rollup=rollup,
            page=paginate(self.request, rollup["rows"], per_page=50),
            query=query_without_page(self.request),
            years=list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            year=year,
        )
        return context

    def post(self, request, org_slug):
        year = _year(request.POST.get("year"), wrapped.review_year())
        job = wrapped.wrapped_request(org=self.org, actor=request.user, year=year)
        messages.success(request, _("Every partnership's Wrapped is being generated."))
        return redirect(self.url("wrapped_rollup") + f"?year={year}&job={job.pk}")


class WorkspaceWrappedListView(_WorkspaceSide, View):
    """The workspace's partnerships and their years in review."""

    def get(self, request, workspace_id):
        year = _year(request.GET.get("year"), wrapped.review_year())
        partnerships = list(self.partnerships())
        rows = wrapped.wrapped_for(org=self.scope_org(), partnership_ids=[p.pk for p in partnerships], year=year)
        return render(
            request,
            "reports/packs/wrapped_list.html",
            self.side_context(
                tab="wrapped",
                year=year,
                years=list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
                items=[(p, rows.get(p.pk), self.url("wrapped", p.pk, year)) for p in partnerships],
            ),
        )
