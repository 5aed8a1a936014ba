"""Partner page with tabs and the writes made from inside a tab (contacts, partnerships, certifications)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from partners import forms, selectors, services
from partners.models import (
    Certification,
    Contact,
    JourneyStage,
    JourneyStep,
    Partnership,
    Tier,
)
from partners.views import PartnersView, _get
from pom import hooks
from pom.models import Role
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page

BUILTIN_TABS = [
    {"slug": "overview", "label": "Overview"},
    {"slug": "partnerships", "label": "Partnerships & tiers"},
    {"slug": "journey", "label": "Journey"},
    {"slug": "contacts", "label": "Contacts"},
    {"slug": "certifications", "label": "Certifications"},
    {"slug": "assessments", "label": "Assessments"},
    {"slug": "activity", "label": "Activity"},
]


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
                return self.done(request, partner, _("Contact added."))
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
                return self.done(request, partner, _("Partner added to the program."))
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
        return self.done(request, partner, _("Tier changed."))


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
                return self.done(request, partner, _("Certification recorded."))
        return self.form_invalid(request, partner)


class CertificationDeleteView(_TabAction):
    tab = "certifications"

    def post(self, request, org_slug, pk):
        certification = _get(Certification.objects.for_org(self.org), pk)
        partner = self.partner(certification.partner_id)
        services.certification_delete(org=self.org, actor=request.user, certification=certification)
        return self.done(request, partner, _("Certification removed."))


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
