"""Program and tier setup, the taxonomy (admins) and journey templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners import forms, program_services, selectors, setup_services
from partners.models import (
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Program,
    Tier,
)
from partners.views import PartnersView, _get
from pom.models import Role
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page

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
                    program = program_services.program_create(
                        org=self.org, actor=request.user, name=data.pop("name"), kind=data.pop("kind"), **data
                    )
                else:
                    program_services.program_update(org=self.org, actor=request.user, program=program, data=data)
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
            program_services.program_delete(org=self.org, actor=request.user, program=program)
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
                program_services.tier_create(
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
                program_services.tier_update(org=self.org, actor=request.user, tier=tier, data=data)
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
        program_services.tier_delete(org=self.org, actor=request.user, tier=tier)
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
                setup_services.taxonomy_term_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("“%(cleaned_data)s” added.") % {"cleaned_data": form.cleaned_data["name"]})
                return redirect("partners:taxonomy", org_slug=self.org.slug)
        return self.get(request, org_slug, form=form, status=400)


class TaxonomyTermView(PartnersView):
    required_role = Role.ADMIN

    def post(self, request, org_slug, kind, pk):
        model = setup_services.TAXONOMY_MODELS.get(kind)
        if model is None:
            raise Http404(_("No such taxonomy"))
        term = _get(model.objects.for_org(self.org), pk)
        try:
            if request.POST.get("action") == "delete":
                setup_services.taxonomy_term_delete(org=self.org, actor=request.user, term=term)
                messages.success(request, _("“%(name)s” deleted.") % {"name": term.name})
            else:
                setup_services.taxonomy_term_update(
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
                setup_services.journey_stage_create(org=self.org, actor=request.user, template=template, name=name)
            elif action in ("stage_rename", "stage_delete", "step_add"):
                stage = _get(JourneyStage.objects.for_org(self.org), request.POST.get("stage") or 0)
                if action == "stage_rename":
                    setup_services.journey_stage_update(
                        org=self.org, actor=request.user, stage=stage, data={"name": name}
                    )
                elif action == "stage_delete":
                    setup_services.journey_stage_delete(org=self.org, actor=request.user, stage=stage)
                else:
                    setup_services.journey_step_create(org=self.org, actor=request.user, stage=stage, name=name)
            elif action in ("step_rename", "step_delete"):
                step = _get(JourneyStep.objects.for_org(self.org), request.POST.get("step") or 0)
                if action == "step_rename":
                    setup_services.journey_step_update(org=self.org, actor=request.user, step=step, data={"name": name})
                else:
                    setup_services.journey_step_delete(org=self.org, actor=request.user, step=step)
            else:
                raise ValidationError(_("Unknown journey action."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Journey saved."))
        return redirect(reverse("partners:taxonomy", args=[self.org.slug]) + "#journeys")
