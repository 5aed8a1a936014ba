"""Plan template pages: the library, create, clone, edit, and apply a template to many partnerships."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from plans import forms, selectors, template_services
from plans.models import Plan, PlanTemplate
from pom.models import Role
from pom.pages import OrgPage, add_errors, error_text
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page

# --- templates -----------------------------------------------------------------------------------


class TemplateListView(OrgRequiredMixin, TemplateView):
    template_name = "plans/templates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = paginate(self.request, selectors.template_list(org=self.org))
        context["query"] = query_without_page(self.request)
        return context


class TemplateCreateView(OrgPage):
    """A new template from scratch (cloning a default one is usually quicker)."""

    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit
    template_name = "plans/template_form.html"

    def get(self, request, org_slug):
        initial = {"kind": Plan.Kind.CUSTOM, "duration_days": 90, "content": '{\n  "objectives": []\n}'}
        return self.show(request, self.ctx(form=forms.TemplateForm(org=self.org, initial=initial)))

    def post(self, request, org_slug):
        form = forms.TemplateForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                template = template_services.template_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(request, _("Template “%(name)s” created.") % {"name": template.name})
                return redirect("plans:templates", org_slug=self.org.slug)
        return self.show(request, self.ctx(form=form), status=400)


class TemplateCloneView(OrgPage):
    def post(self, request, org_slug, pk):
        template = get_object_or_404(PlanTemplate.objects.for_org(self.org), pk=pk)
        try:
            copy = template_services.template_clone(org=self.org, actor=request.user, template=template)
        except ValidationError as exc:
            messages.error(request, error_text(exc, labelled=True))
            return redirect("plans:templates", org_slug=self.org.slug)
        messages.success(request, _("“%(name)s” created: adapt it below.") % {"name": copy.name})
        return redirect("plans:template_edit", org_slug=self.org.slug, pk=copy.pk)


class TemplateEditView(OrgPage):
    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit
    template_name = "plans/template_form.html"

    def _template(self):
        return get_object_or_404(PlanTemplate.objects.for_org(self.org), pk=self.kwargs["pk"])

    def get(self, request, org_slug, pk):
        import json

        template = self._template()
        initial = {
            "name": template.name,
            "kind": template.kind,
            "description": template.description,
            "duration_days": template.duration_days,
            "phases": ", ".join(template.phases),
            "content": json.dumps(template.content, indent=2, ensure_ascii=False),
        }
        form = forms.TemplateForm(org=self.org, initial=initial)
        return self.show(request, self.ctx(form=form, template=template))

    def post(self, request, org_slug, pk):
        template = self._template()
        form = forms.TemplateForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                template_services.template_update(
                    org=self.org, actor=request.user, template=template, data=form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(request, _("Template saved."))
                return redirect("plans:templates", org_slug=self.org.slug)
        return self.show(request, self.ctx(form=form, template=template), status=400)


class TemplateApplyView(OrgPage):
    """Create a plan from a template on many partnerships at once (all or nothing)."""

    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit

    template_name = "plans/template_apply.html"

    def _template(self):
        return get_object_or_404(PlanTemplate.objects.for_org(self.org), pk=self.kwargs["pk"])

    def get(self, request, org_slug, pk):
        form = forms.TemplateApplyForm(org=self.org, initial={"owner": request.user.pk})
        return self.show(request, self.ctx(form=form, template=self._template()))

    def post(self, request, org_slug, pk):
        template = self._template()
        form = forms.TemplateApplyForm(request.POST, org=self.org)
        if form.is_valid():
            data = forms.period_args(dict(form.cleaned_data))
            data["partnerships"] = list(data["partnerships"])
            try:
                plans = template_services.plan_create_from_template(
                    org=self.org, actor=request.user, template=template, **data
                )
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(
                    request,
                    ngettext("%(n)s plan created from “%(name)s”.", "%(n)s plans created from “%(name)s”.", len(plans))
                    % {"n": len(plans), "name": template.name},
                )
                url = reverse("plans:portfolio", kwargs={"org_slug": self.org.slug})
                return redirect(f"{url}?q={plans[0].name}")
        return self.show(request, self.ctx(form=form, template=template), status=400)
