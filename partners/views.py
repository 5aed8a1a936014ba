"""Partner portfolio pages: list, detail with tabs, forms, programs, taxonomy, import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from partners import forms, importing, selectors, services
from partners.models import (
    Certification,
    Contact,
    ImportRun,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    Program,
    Tier,
)
from pom import exports, hooks, jobs, validation
from pom.models import Role
from pom.pages import OrgPage, add_errors, error_text
from pom.selectors import member_users
from pom.web import paginate, query_without_page

FILTER_KEYS = ["q", "type", "program", "tier", "status", "stage", "owner", "region", "segment", "focus", "sort"]

BUILTIN_TABS = [
    {"slug": "overview", "label": "Overview"},
    {"slug": "partnerships", "label": "Partnerships & tiers"},
    {"slug": "journey", "label": "Journey"},
    {"slug": "contacts", "label": "Contacts"},
    {"slug": "certifications", "label": "Certifications"},
    {"slug": "assessments", "label": "Assessments"},
    {"slug": "activity", "label": "Activity"},
]


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


# Detail with tabs -------------------------------------------------------------------------------


def contributed_tabs(org, partner) -> list[dict]:
    """Tabs from higher apps (`pom.hooks.partner_tabs()`), with their fragment URL reversed; broken ones skipped."""
    tabs = []
    for tab in hooks.partner_tabs():
        try:
            url = reverse(tab["url_name"], args=[org.slug, partner.pk])
        except NoReverseMatch:
            continue
        tabs.append({**tab, "fragment_url": url, "contributed": True})
    return tabs


class PartnerDetailView(PartnersView):
    """The partner page. `tab` picks the panel; HTMX requests get only the panel."""

    template_name = "partners/detail.html"
    fragment_template_name = "partners/_tabs.html"

    def get(self, request, org_slug, pk, tab="overview"):
        partner = self.partner(pk)
        return self.render_tab(request, partner, tab)

    def tabs(self, partner):
        return [dict(t) for t in BUILTIN_TABS] + contributed_tabs(self.org, partner)

    def render_tab(self, request, partner, tab, status=200, **extra):
        tabs = self.tabs(partner)
        current = next((t for t in tabs if t["slug"] == tab), None)
        if current is None:
            raise Http404(_("No such tab"))
        for t in tabs:
            t["url"] = reverse("partners:tab", args=[self.org.slug, partner.pk, t["slug"]])
        context = self.ctx(partner=partner, tabs=tabs, tab=current, **self.tab_context(request, partner, tab), **extra)
        panel = "partners/_tab_contributed.html" if current.get("contributed") else f"partners/_tab_{tab}.html"
        context["panel_template"] = panel
        context["options"] = selectors.partner_filter_options(org=self.org)
        return self.show(request, context, status=status)

    def tab_context(self, request, partner, tab) -> dict:
        org = self.org
        if tab == "overview":
            return {
                "partnerships": selectors.partnership_list(org=org, partner=partner),
                "contacts": list(partner.contacts.all())[:5],
                "certifications": selectors.certification_list(org=org, partner=partner),
                "recent": selectors.partner_activity(org=org, partner=partner)[:5],
            }
        if tab == "partnerships":
            partnerships = list(selectors.partnership_list(org=org, partner=partner))
            tiers = list(selectors.tier_list(org=org))
            rows = [{"p": p, "tiers": [t for t in tiers if t.program_id == p.program_id]} for p in partnerships]
            return {
                "rows": rows,
                "partnership_form": getattr(self, "partnership_form", None) or forms.PartnershipForm(org=org),
            }
        if tab == "journey":
            journeys = []
            for p in selectors.partnership_list(org=org, partner=partner):
                progress = selectors.journey_progress(partnership=p)
                journeys.append({"p": p, "progress": progress, "stages": [row["stage"] for row in progress["stages"]]})
            return {"journeys": journeys}
        if tab == "contacts":
            return {
                "contacts": selectors.contact_list(org=org, partner=partner),
                "contact_form": getattr(self, "contact_form", None) or forms.ContactForm(),
            }
        if tab == "certifications":
            return {
                "certifications": selectors.certification_list(org=org, partner=partner),
                "certification_form": getattr(self, "certification_form", None)
                or forms.CertificationForm(org=org, partner=partner),
            }
        if tab == "assessments":
            from partners.views_assessments import partner_tab_context  # the module imports this one

            return partner_tab_context(org=org, partner=partner, request=request)
        if tab == "activity":
            page = paginate(request, selectors.partner_activity(org=org, partner=partner), per_page=25)
            return {"page": page, "query": query_without_page(request)}
        return {}


class _TabAction(PartnerDetailView):
    """A write from inside a tab: HTMX gets the refreshed panel, a plain form post is redirected to the tab."""

    tab = "overview"

    def done(self, request, partner, message=""):
        if request.htmx:
            return self.render_tab(request, self.partner(partner.pk), self.tab)
        if message:
            messages.success(request, message)
        return redirect("partners:tab", org_slug=self.org.slug, pk=partner.pk, tab=self.tab)

    def failed(self, request, partner, exc: ValidationError):
        if request.htmx:
            return self.render_tab(request, self.partner(partner.pk), self.tab, error=error_text(exc))
        messages.error(request, error_text(exc))
        return redirect("partners:tab", org_slug=self.org.slug, pk=partner.pk, tab=self.tab)

    def form_invalid(self, request, partner):
        # HTMX swaps only 2xx responses, so the panel with errors comes back as 200 there.
        return self.render_tab(request, partner, self.tab, status=200 if request.htmx else 400)


class ContactCreateView(_TabAction):
    tab = "contacts"

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        self.contact_form = form = forms.ContactForm(request.POST)
        if form.is_valid():
            try:
                data = dict(form.cleaned_data)
                services.contact_create(
                    org=self.org, actor=request.user, partner=partner, name=data.pop("name"), **data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.done(request, partner, "Contact added.")
        return self.form_invalid(request, partner)


class ContactEditView(PartnersView):
    template_name = "partners/contact_form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, pk):
        contact = _get(selectors.contact_list(org=self.org), pk)
        return render(request, self.template_name, self.ctx(form=forms.ContactForm(instance=contact), contact=contact))

    def post(self, request, org_slug, pk):
        contact = _get(selectors.contact_list(org=self.org), pk)
        form = forms.ContactForm(request.POST, instance=contact)
        if form.is_valid():
            try:
                services.contact_update(org=self.org, actor=request.user, contact=contact, data=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Contact saved."))
                return redirect("partners:tab", org_slug=self.org.slug, pk=contact.partner_id, tab="contacts")
        return render(request, self.template_name, self.ctx(form=form, contact=contact), status=400)


class ContactDeleteView(_TabAction):
    tab = "contacts"

    def post(self, request, org_slug, pk):
        contact = _get(Contact.objects.for_org(self.org), pk)
        partner = self.partner(contact.partner_id)
        services.contact_delete(org=self.org, actor=request.user, contact=contact)
        return self.done(request, partner, f"{contact.name} removed.")


class PartnershipCreateView(_TabAction):
    tab = "partnerships"

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        self.partnership_form = form = forms.PartnershipForm(request.POST, org=self.org)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.partnership_create(
                    org=self.org, actor=request.user, partner=partner, program=data.pop("program"), **data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.done(request, partner, "Partner added to the program.")
        return self.form_invalid(request, partner)


class PartnershipEditView(PartnersView):
    template_name = "partners/partnership_form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, pk):
        partnership = _get(selectors.partnership_list(org=self.org), pk)
        form = forms.PartnershipForm(instance=partnership, org=self.org)
        return render(request, self.template_name, self.ctx(form=form, partnership=partnership))

    def post(self, request, org_slug, pk):
        partnership = _get(selectors.partnership_list(org=self.org), pk)
        form = forms.PartnershipForm(request.POST, instance=partnership, org=self.org)
        if form.is_valid():
            try:
                services.partnership_update(
                    org=self.org, actor=request.user, partnership=partnership, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Partnership saved."))
                return redirect("partners:tab", org_slug=self.org.slug, pk=partnership.partner_id, tab="partnerships")
        partnership.refresh_from_db()
        return render(request, self.template_name, self.ctx(form=form, partnership=partnership), status=400)


class PartnershipTierView(_TabAction):
    """Inline tier change (HTMX select on the partnerships tab)."""

    tab = "partnerships"

    def post(self, request, org_slug, pk):
        partnership = _get(Partnership.objects.for_org(self.org).select_related("program", "tier"), pk)
        partner = self.partner(partnership.partner_id)
        value = request.POST.get("tier", "")
        tier = Tier.objects.for_org(self.org).filter(pk=value).first() if value else None
        try:
            if value and tier is None:
                raise ValidationError({"tier": _("No such tier.")})
            services.partnership_set_tier(org=self.org, actor=request.user, partnership=partnership, tier=tier)
        except ValidationError as exc:
            return self.failed(request, partner, exc)
        return self.done(request, partner, "Tier changed.")


class PartnershipDeleteView(_TabAction):
    tab = "partnerships"
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        partnership = _get(Partnership.objects.for_org(self.org).select_related("program", "partner"), pk)
        partner = self.partner(partnership.partner_id)
        try:
            services.partnership_delete(org=self.org, actor=request.user, partnership=partnership)
        except ValidationError as exc:
            return self.failed(request, partner, exc)
        return self.done(request, partner, f"{partner.name} removed from {partnership.program.name}.")


class PartnershipStageView(_TabAction):
    tab = "journey"

    def post(self, request, org_slug, pk):
        partnership = _get(Partnership.objects.for_org(self.org).select_related("partner", "current_stage"), pk)
        partner = self.partner(partnership.partner_id)
        stage = JourneyStage.objects.for_org(self.org).filter(pk=request.POST.get("stage") or 0).first()
        try:
            if stage is None:
                raise ValidationError({"stage": _("Choose a stage.")})
            services.partnership_move_stage(org=self.org, actor=request.user, partnership=partnership, stage=stage)
        except ValidationError as exc:
            return self.failed(request, partner, exc)
        return self.done(request, partner, f"Moved to {stage.name}.")


class StepToggleView(_TabAction):
    tab = "journey"

    def post(self, request, org_slug, pk, step_pk):
        partnership = _get(Partnership.objects.for_org(self.org).select_related("partner"), pk)
        partner = self.partner(partnership.partner_id)
        step = _get(JourneyStep.objects.for_org(self.org).select_related("stage"), step_pk)
        try:
            if request.POST.get("done", "1") in ("1", "on", "true"):
                services.step_complete(org=self.org, actor=request.user, partnership=partnership, step=step)
            else:
                services.step_uncomplete(org=self.org, actor=request.user, partnership=partnership, step=step)
        except ValidationError as exc:
            return self.failed(request, partner, exc)
        return self.done(request, partner)


class CertificationCreateView(_TabAction):
    tab = "certifications"

    def post(self, request, org_slug, pk):
        partner = self.partner(pk)
        self.certification_form = form = forms.CertificationForm(request.POST, org=self.org, partner=partner)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.certification_create(
                    org=self.org,
                    actor=request.user,
                    partner=partner,
                    name=data.pop("name"),
                    issued_on=data.pop("issued_on"),
                    **data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return self.done(request, partner, "Certification recorded.")
        return self.form_invalid(request, partner)


class CertificationDeleteView(_TabAction):
    tab = "certifications"

    def post(self, request, org_slug, pk):
        certification = _get(Certification.objects.for_org(self.org), pk)
        partner = self.partner(certification.partner_id)
        services.certification_delete(org=self.org, actor=request.user, certification=certification)
        return self.done(request, partner, "Certification removed.")


class CertificationListView(PartnersView):
    """Certifications that expired or expire within 60 days, across the portfolio."""

    template_name = "partners/certifications.html"

    def get(self, request, org_slug):
        return render(
            request,
            self.template_name,
            self.ctx(
                expiring=selectors.certifications_expiring(org=self.org),
                expired=selectors.certifications_expired(org=self.org)[:100],
                days=selectors.EXPIRING_DAYS,
            ),
        )


# Programs and tiers -----------------------------------------------------------------------------


class ProgramListView(PartnersView):
    template_name = "partners/programs.html"

    def get(self, request, org_slug):
        programs = selectors.program_list(org=self.org)
        return render(request, self.template_name, self.ctx(page=paginate(request, programs), query=""))


class ProgramFormView(PartnersView):
    template_name = "partners/program_form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, pk=None):
        program = _get(Program.objects.for_org(self.org), pk) if pk else None
        form = forms.ProgramForm(instance=program, initial={} if program else {"currency": self.org.currency})
        return render(request, self.template_name, self.ctx(form=form, program=program))

    def post(self, request, org_slug, pk=None):
        program = _get(Program.objects.for_org(self.org), pk) if pk else None
        form = forms.ProgramForm(request.POST, instance=program)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if program is None:
                    program = services.program_create(
                        org=self.org, actor=request.user, name=data.pop("name"), kind=data.pop("kind"), **data
                    )
                else:
                    services.program_update(org=self.org, actor=request.user, program=program, data=data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("%(name)s saved.") % {"name": program.name})
                return redirect("partners:program_detail", org_slug=self.org.slug, pk=program.pk)
        if program is not None and program.pk:
            program.refresh_from_db()
        return render(request, self.template_name, self.ctx(form=form, program=program), status=400)


class ProgramDetailView(PartnersView):
    template_name = "partners/program_detail.html"

    def get(self, request, org_slug, pk, tier_form=None, status=200):
        program = selectors.program_detail(org=self.org, pk=pk)
        if program is None:
            raise Http404(_("No such program"))
        partnerships = paginate(request, selectors.partnership_list(org=self.org, program=program), per_page=50)
        context = self.ctx(
            program=program,
            tiers=selectors.tier_list(org=self.org, program=program),
            page=partnerships,
            query=query_without_page(request),
            tier_form=tier_form or forms.TierForm(),
        )
        return render(request, self.template_name, context, status=status)


class ProgramDeleteView(PartnersView):
    required_role = Role.ADMIN

    def post(self, request, org_slug, pk):
        program = _get(Program.objects.for_org(self.org), pk)
        try:
            services.program_delete(org=self.org, actor=request.user, program=program)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("partners:program_detail", org_slug=self.org.slug, pk=pk)
        messages.success(request, _("%(name)s deleted.") % {"name": program.name})
        return redirect("partners:program_list", org_slug=self.org.slug)


class TierCreateView(ProgramDetailView):
    def post(self, request, org_slug, pk):
        program = _get(Program.objects.for_org(self.org), pk)
        form = forms.TierForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.tier_create(
                    org=self.org,
                    actor=request.user,
                    program=program,
                    name=data.pop("name"),
                    rank=data.pop("rank"),
                    **data,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Tier added."))
                return redirect("partners:program_detail", org_slug=self.org.slug, pk=program.pk)
        return self.get(request, org_slug, pk, tier_form=form, status=400)


class TierEditView(PartnersView):
    template_name = "partners/tier_form.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, pk):
        tier = _get(Tier.objects.for_org(self.org).select_related("program"), pk)
        return render(request, self.template_name, self.ctx(form=forms.TierForm(instance=tier), tier=tier))

    def post(self, request, org_slug, pk):
        tier = _get(Tier.objects.for_org(self.org).select_related("program"), pk)
        form = forms.TierForm(request.POST, instance=tier)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("rank") is None:
                data.pop("rank")
            try:
                services.tier_update(org=self.org, actor=request.user, tier=tier, data=data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Tier saved."))
                return redirect("partners:program_detail", org_slug=self.org.slug, pk=tier.program_id)
        tier.refresh_from_db()
        return render(request, self.template_name, self.ctx(form=form, tier=tier), status=400)


class TierDeleteView(PartnersView):
    def post(self, request, org_slug, pk):
        tier = _get(Tier.objects.for_org(self.org), pk)
        services.tier_delete(org=self.org, actor=request.user, tier=tier)
        messages.success(request, _("Tier %(name)s deleted.") % {"name": tier.name})
        return redirect("partners:program_detail", org_slug=self.org.slug, pk=tier.program_id)


# Taxonomy (admins) ------------------------------------------------------------------------------


class TaxonomyView(PartnersView):
    template_name = "partners/taxonomy.html"
    required_role = Role.ADMIN

    def get(self, request, org_slug, form=None, status=200):
        terms = selectors.taxonomy(org=self.org)
        context = self.ctx(
            sections=[
                {"kind": "type", "title": "Partner types", "terms": terms["type"]},
                {"kind": "archetype", "title": "Archetypes", "terms": terms["archetype"]},
                {"kind": "segment", "title": "Segments", "terms": terms["segment"]},
            ],
            form=form or forms.TaxonomyTermForm(),
            journeys=selectors.journey_template_list(org=self.org),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        form = forms.TaxonomyTermForm(request.POST)
        if form.is_valid():
            try:
                services.taxonomy_term_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("“%(cleaned_data)s” added.") % {"cleaned_data": form.cleaned_data["name"]})
                return redirect("partners:taxonomy", org_slug=self.org.slug)
        return self.get(request, org_slug, form=form, status=400)


class TaxonomyTermView(PartnersView):
    required_role = Role.ADMIN

    def post(self, request, org_slug, kind, pk):
        model = services.TAXONOMY_MODELS.get(kind)
        if model is None:
            raise Http404(_("No such taxonomy"))
        term = _get(model.objects.for_org(self.org), pk)
        try:
            if request.POST.get("action") == "delete":
                services.taxonomy_term_delete(org=self.org, actor=request.user, term=term)
                messages.success(request, _("“%(name)s” deleted.") % {"name": term.name})
            else:
                services.taxonomy_term_update(
                    org=self.org,
                    actor=request.user,
                    term=term,
                    data={
                        "name": request.POST.get("name", term.name),
                        "description": request.POST.get("description", ""),
                    },
                )
                messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("partners:taxonomy", org_slug=self.org.slug)


class JourneyEditView(PartnersView):
    """Admins add, rename and delete journey stages and steps (from the taxonomy page)."""

    required_role = Role.ADMIN

    def post(self, request, org_slug):
        action = request.POST.get("action", "")
        name = request.POST.get("name", "")
        try:
            if action == "stage_add":
                template = _get(JourneyTemplate.objects.for_org(self.org), request.POST.get("template") or 0)
                services.journey_stage_create(org=self.org, actor=request.user, template=template, name=name)
            elif action in ("stage_rename", "stage_delete", "step_add"):
                stage = _get(JourneyStage.objects.for_org(self.org), request.POST.get("stage") or 0)
                if action == "stage_rename":
                    services.journey_stage_update(org=self.org, actor=request.user, stage=stage, data={"name": name})
                elif action == "stage_delete":
                    services.journey_stage_delete(org=self.org, actor=request.user, stage=stage)
                else:
                    services.journey_step_create(org=self.org, actor=request.user, stage=stage, name=name)
            elif action in ("step_rename", "step_delete"):
                step = _get(JourneyStep.objects.for_org(self.org), request.POST.get("step") or 0)
                if action == "step_rename":
                    services.journey_step_update(org=self.org, actor=request.user, step=step, data={"name": name})
                else:
                    services.journey_step_delete(org=self.org, actor=request.user, step=step)
            else:
                raise ValidationError(_("Unknown journey action."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Journey saved."))
        return redirect(reverse("partners:taxonomy", args=[self.org.slug]) + "#journeys")


# Import -----------------------------------------------------------------------------------------


class ImportView(PartnersView):
    template_name = "partners/import.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def get(self, request, org_slug, form=None, status=200):
        context = self.ctx(
            form=form or forms.ImportUploadForm(),
            runs=selectors.import_run_list(org=self.org)[:10],
            fields=importing.FIELDS,
            max_mb=importing.MAX_UPLOAD_BYTES // (1024 * 1024),
            limits=importing.LIMITS.describe(),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        form = forms.ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                run = importing.import_run_create(org=self.org, actor=request.user, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return redirect("partners:import_run", org_slug=self.org.slug, pk=run.pk)
        return self.get(request, org_slug, form=form, status=400)


class ImportRunView(PartnersView):
    """Column mapping (GET), then dry-run preview (POST): every invalid row and field is listed."""

    template_name = "partners/import_run.html"
    required_roles = {"GET": Role.MANAGER, "POST": Role.MANAGER}

    def run(self, pk) -> ImportRun:
        return _get(selectors.import_run_list(org=self.org), pk)

    def get(self, request, org_slug, pk):
        run = self.run(pk)
        form = forms.ImportMappingForm(headers=run.headers, initial_mapping=run.mapping)
        job = jobs.job_latest(org=self.org, kind=importing.JOB_KIND, key=str(run.pk))
        return render(request, self.template_name, self.ctx(run=run, form=form, preview=None, job=job))

    def post(self, request, org_slug, pk):
        run = self.run(pk)
        form = forms.ImportMappingForm(request.POST, headers=run.headers, initial_mapping=run.mapping)
        preview = None
        status = 400
        if form.is_valid():
            try:
                rows = importing.import_run_preview(org=self.org, run=run, mapping=form.mapping())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                status = 200
                preview = {
                    "rows": rows[:200],
                    "more": max(0, len(rows) - 200),
                    "errors": run.errors,
                    "error_rows": len({e["row"] for e in run.errors}),
                }
        return render(request, self.template_name, self.ctx(run=run, form=form, preview=preview), status=status)


class ImportCommitView(PartnersView):
    required_role = Role.MANAGER

    def post(self, request, org_slug, pk):
        run = _get(selectors.import_run_list(org=self.org), pk)
        try:
            importing.import_run_commit(org=self.org, actor=request.user, run=run)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The import runs in the background; this page shows its progress."))
        return redirect("partners:import_run", org_slug=self.org.slug, pk=run.pk)


class ImportErrorsView(PartnersView):
    """The dry run's or the commit's problems as a CSV file: row, field, problem."""

    required_role = Role.MANAGER

    def get(self, request, org_slug, pk):
        run = _get(selectors.import_run_list(org=self.org), pk)
        response = HttpResponse(validation.errors_csv(run.errors), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        return response


class ImportTemplateView(PartnersView):
    def get(self, request, org_slug, fmt):
        if fmt == "csv":
            response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(
                importing.template_xlsx(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            raise Http404(_("No such template"))
        response["Content-Disposition"] = f'attachment; filename="pom-partners-template.{fmt}"'
        return response
