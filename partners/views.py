"""Partner portfolio pages: the base of partner pages, list, export, create, edit, delete, inline edits.

The partner page and its tabs are in views_detail, program/tier/taxonomy setup in views_setup, import in
views_import.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners import forms, selectors, services
from partners.models import (
    Partner,
)
from pom import exports, hooks
from pom.models import Role
from pom.pages import OrgPage, add_errors, error_text
from pom.selectors import member_users
from pom.web import paginate, query_without_page

FILTER_KEYS = ["q", "type", "program", "tier", "status", "stage", "owner", "region", "segment", "focus", "sort"]


def _get(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Not found"))
    return obj


class PartnersView(OrgPage):
    """Base of partner pages (pom.pages.OrgPage: org and role from the URL, shared context)."""

    def partner(self, pk) -> Partner:
        partner = selectors.partner_detail(org=self.org, pk=pk)
        if partner is None:
            raise Http404(_("No such partner"))
        return partner


class PartnerLogoView(PartnersView):
    """Serve a partner's logo to members only: uploads are never published under a public URL."""

    def get(self, request, org_slug, pk):
        partner = self.partner(pk)
        if not partner.logo:
            raise Http404(_("No logo"))
        response = FileResponse(partner.logo.open("rb"))
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# List, export, create, edit ---------------------------------------------------------------------


class PartnerListView(PartnersView):
    template_name = "partners/list.html"
    fragment_template_name = "partners/_list_results.html"

    def get(self, request, org_slug):
        filters = {k: request.GET.get(k, "") for k in FILTER_KEYS}
        queryset = selectors.partner_list(org=self.org, filters=filters)
        extensions = hooks.partner_list_extensions()  # e.g. the benchmarks percentile (reports)
        for extension in extensions:
            queryset = extension.filter_partners(org=self.org, queryset=queryset, params=request.GET)
        page = paginate(request, queryset, per_page=25)
        ids = [p.pk for p in page.object_list]
        extra_columns = [
            c for c in (x.column(org=self.org, partner_ids=ids, params=request.GET) for x in extensions) if c
        ]
        for partner in page.object_list:
            partner.extra_cells = [c["values"].get(partner.pk, "—") for c in extra_columns]
        query = query_without_page(request)
        status_counts = selectors.partner_status_counts(org=self.org, filters=filters)
        for count in status_counts:
            params = request.GET.copy()
            params.pop("page", None)
            params["status"] = "" if filters["status"] == count["value"] else count["value"]
            count["query"] = params.urlencode()
        context = self.ctx(
            page=page,
            query=query,
            filters=filters,
            status_counts=status_counts,
            options=selectors.partner_filter_options(org=self.org),
            sorts=[
                ("name", "Name A–Z"),
                ("-name", "Name Z–A"),
                ("status", "Status"),
                ("-stage", "Journey stage"),
                ("-partnerships", "Most programs"),
                ("-created", "Newest"),
            ],
            export_url=reverse("partners:export", args=[self.org.slug]) + (f"?{query}" if query else ""),
            extra_columns=extra_columns,
            extra_filters=[x.filter_template for x in extensions],
            params=request.GET,
        )
        return self.show(request, context)


class PartnerExportView(PartnersView):
    """CSV (streamed) or XLSX (`?format=xlsx`) of the filtered list, every page; cells neutralised (pom.exports)."""

    COLUMNS = [
        "name",
        "domain",
        "website",
        "status",
        "types",
        "archetype",
        "segment",
        "focus",
        "region",
        "country",
        "size_band",
        "industry",
        "owner",
        "journey_stage",
        "programs",
        "tiers",
    ]

    def get(self, request, org_slug):
        filters = {k: request.GET.get(k, "") for k in FILTER_KEYS}
        partners = selectors.partner_list(org=self.org, filters=filters)

        def rows():
            for p in partners.iterator(chunk_size=500):
                partnerships = list(p.partnerships.all())
                yield (
                    [
                        p.name,
                        p.domain,
                        p.website,
                        p.get_status_display(),
                        "; ".join(t.name for t in p.types.all()),
                        p.archetype.name if p.archetype else "",
                        p.segment.name if p.segment else "",
                        "yes" if p.is_focus else "no",
                        p.region,
                        p.country,
                        p.size_band,
                        p.industry,
                        p.owner.email if p.owner else "",
                        p.journey_stage.name if p.journey_stage else "",
                        "; ".join(ps.program.name for ps in partnerships),
                        "; ".join(f"{ps.program.name}: {ps.tier.name}" for ps in partnerships if ps.tier),
                    ]
                )

        fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        return exports.response(header=self.COLUMNS, rows=rows(), fmt=fmt, filename=f"partners-{self.org.slug}")


class PartnerCreateView(PartnersView):
    template_name = "partners/form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug):
        form = forms.PartnerForm(org=self.org, initial={"owner": request.user.pk})
        return render(request, self.template_name, self.ctx(form=form, partner=None))

    def post(self, request, org_slug):
        form = forms.PartnerForm(request.POST, request.FILES, org=self.org)
        if form.is_valid():
            data = form.service_data()
            try:
                partner = services.partner_create(
                    org=self.org,
                    actor=request.user,
                    name=data.pop("name"),
                    domain=data.pop("domain"),
                    types=form.cleaned_data["types"],
                    **data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("%(name)s added.") % {"name": partner.name})
                return redirect("partners:detail", org_slug=self.org.slug, pk=partner.pk)
        return render(request, self.template_name, self.ctx(form=form, partner=None), status=400)


class PartnerEditView(PartnersView):
    template_name = "partners/form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, pk):
        partner = self.partner(pk)
        form = forms.PartnerForm(instance=partner, org=self.org)
        return render(request, self.template_name, self.ctx(form=form, partner=partner))

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        form = forms.PartnerForm(request.POST, request.FILES, instance=partner, org=self.org)
        if form.is_valid():
            try:
                services.partner_update(
                    org=self.org,
                    actor=request.user,
                    partner=partner,
                    data=form.service_data(),
                    types=form.cleaned_data["types"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Partner saved."))
                return redirect("partners:detail", org_slug=self.org.slug, pk=partner.pk)
        partner.refresh_from_db()
        return render(request, self.template_name, self.ctx(form=form, partner=partner), status=400)


class PartnerDeleteView(PartnersView):
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        try:
            services.partner_delete(org=self.org, actor=request.user, partner=partner)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("partners:detail", org_slug=self.org.slug, pk=pk)
        messages.success(request, _("%(name)s deleted.") % {"name": partner.name})
        return redirect("partners:list", org_slug=self.org.slug)


class PartnerInlineView(PartnersView):
    """HTMX inline edit of one field (status or owner) from the list or the detail header."""

    FIELDS = ("status", "owner")

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        field = request.POST.get("field")
        if field not in self.FIELDS:
            return HttpResponse("This field cannot be edited inline.", status=400)
        value = request.POST.get("value", "")
        error = ""
        try:
            if field == "owner":
                owner = member_users(org=self.org).filter(pk=value).first() if value else None
                if value and owner is None:
                    raise ValidationError({"owner": _("Choose a member of the organization.")})
                services.partner_update(org=self.org, actor=request.user, partner=partner, data={"owner": owner})
            else:
                services.partner_update(org=self.org, actor=request.user, partner=partner, data={field: value})
        except ValidationError as exc:
            error = error_text(exc)
            partner = self.partner(pk)
        partner = self.partner(pk)
        context = self.ctx(p=partner, field=field, error=error, options=selectors.partner_filter_options(org=self.org))
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect("partners:detail", org_slug=self.org.slug, pk=pk)
        return render(request, "partners/_inline_field.html", context, status=200)
