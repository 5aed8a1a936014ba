"""Plan pages: portfolio, plan (OKR table with inline HTMX updates), QBR view, templates, meetings."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from partners.models import Partner, Partnership
from plans import checkin_services, forms, meeting_services, selectors, services, template_services
from plans.filters import PlanFilter
from plans.models import Activity, KeyResult, Objective, Plan
from pom.models import Role
from pom.pages import HtmxFragmentMixin, OrgPage, add_errors, error_text
from pom.tenancy import OrgRequiredMixin
from pom.web import paginate, query_without_page


class PlanMixin:
    """With an organization page: the plan of the URL's `pk` inside the organization."""

    def get_plan(self) -> Plan:
        return get_object_or_404(Plan.objects.for_org(self.org), pk=self.kwargs["pk"])


# --- portfolio -----------------------------------------------------------------------------------


class PortfolioView(HtmxFragmentMixin, OrgRequiredMixin, TemplateView):
    template_name = "plans/portfolio.html"
    fragment_template_name = "plans/_portfolio_table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = PlanFilter(self.request.GET or None, queryset=selectors.plan_list(org=self.org), org=self.org)
        # Invalid filter values (a stale owner id…) are ignored by django-filter rather than emptying the list.
        page = paginate(self.request, filterset.qs, per_page=25)
        selectors.plan_metrics(org=self.org, plans=list(page.object_list))
        context.update(filter=filterset, page=page, query=query_without_page(self.request))
        return context


# --- plan ----------------------------------------------------------------------------------------


class PlanCreateView(OrgPage):
    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit
    template_name = "plans/plan_form.html"
    page_context = {"title": "New plan"}

    def get(self, request, org_slug):
        initial = {"partnership": request.GET.get("partnership"), "owner": request.user.pk}
        return self.show(request, self.ctx(form=forms.PlanCreateForm(org=self.org, initial=initial)))

    def post(self, request, org_slug):
        form = forms.PlanCreateForm(request.POST, org=self.org)
        if form.is_valid():
            data = forms.period_args(dict(form.cleaned_data))
            template = data.pop("template")
            try:
                if template:
                    data.pop("kind")
                    partnership = data.pop("partnership")
                    plan = template_services.plan_create_from_template(
                        org=self.org, actor=request.user, template=template, partnerships=[partnership], **data
                    )[0]
                else:
                    plan = services.plan_create(org=self.org, actor=request.user, **data)
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(request, _("Plan “%(name)s” created.") % {"name": plan.name})
                return redirect("plans:detail", org_slug=self.org.slug, pk=plan.pk)
        return self.show(request, self.ctx(form=form), status=400)


class PlanDetailView(PlanMixin, OrgRequiredMixin, TemplateView):
    template_name = "plans/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = selectors.plan_tree(org=self.org, plan=self.get_plan())
        context.update(plan_context(plan=plan, can_write=self.can_write))
        context.update(
            diff=selectors.plan_diff(org=self.org, plan=plan),
            checkin_chart=selectors.plan_checkin_chart(plan=plan),
            realised_chart=selectors.plan_vs_realised_chart(plan=plan),
            rules=selectors.rules_explained(),
            meetings=list(selectors.meeting_list(org=self.org, partnership=plan.partnership).filter(plan=plan)[:5]),
        )
        context["can_add"] = self.can_write and not plan.is_closed  # the forms load when opened
        context["add_kinds"] = [
            ("objective", _("Objective")),
            ("key-result", _("Key result")),
            ("activity", _("Activity")),
        ]
        return context


def plan_context(*, plan: Plan, can_write: bool, flash: str = "", flash_error: bool = False) -> dict:
    """What the OKR fragment needs beyond the page context; shared by the page and the HTMX updates."""
    return {
        "plan": plan,
        "editable": can_write and not plan.is_closed,
        "activity_statuses": Activity.Status.choices,
        "flash": flash,
        "flash_error": flash_error,
    }


class PlanEditView(PlanMixin, OrgPage):
    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit
    template_name = "plans/plan_form.html"

    def get(self, request, org_slug, pk):
        plan = self.get_plan()
        initial = {
            "name": plan.name,
            "kind": plan.kind,
            "description": plan.description,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "phases": ", ".join(plan.phases),
            "owner": plan.owner_id,
        }
        return self.show(request, self._context(forms.PlanEditForm(org=self.org, initial=initial), plan))

    def post(self, request, org_slug, pk):
        plan = self.get_plan()
        form = forms.PlanEditForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                services.plan_update(org=self.org, actor=request.user, plan=plan, data=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(request, _("Plan saved."))
                return redirect("plans:detail", org_slug=self.org.slug, pk=plan.pk)
        return self.show(request, self._context(form, plan), status=400)

    def _context(self, form, plan):
        return self.ctx(form=form, plan=plan, title=f"Edit {plan.name}")


class PlanActionView(PlanMixin, OrgPage):
    """Workflow buttons: propose, approve (vendor / partner), close, delete."""

    def post(self, request, org_slug, pk, action):
        plan = self.get_plan()
        note = request.POST.get("note", "")
        try:
            if action == "propose":
                services.plan_propose(org=self.org, actor=request.user, plan=plan)
                messages.success(request, _("Plan proposed: both sides can now approve it."))
            elif action == "approve-vendor":
                plan = services.plan_approve(org=self.org, actor=request.user, plan=plan, side="vendor", note=note)
                messages.success(request, gettext("Vendor approval recorded.") + _validated_text(plan))
            elif action == "approve-partner":
                plan = services.plan_approve(org=self.org, actor=request.user, plan=plan, side="partner", note=note)
                messages.success(request, gettext("Partner approval recorded.") + _validated_text(plan))
            elif action == "close":
                services.plan_close(org=self.org, actor=request.user, plan=plan)
                messages.success(request, _("Plan closed."))
            elif action == "delete":
                services.plan_delete(org=self.org, actor=request.user, plan=plan)
                messages.success(request, _("Plan “%(name)s” deleted.") % {"name": plan.name})
                return redirect("plans:portfolio", org_slug=self.org.slug)
            else:
                raise Http404(_("Unknown action"))
        except ValidationError as exc:
            messages.error(request, error_text(exc, labelled=True))
        return redirect("plans:detail", org_slug=self.org.slug, pk=plan.pk)


def _validated_text(plan: Plan) -> str:
    return (
        " " + gettext("Both sides approved: the plan is validated and this version is frozen.")
        if plan.status == "validated"
        else ""
    )


class PlanAddView(PlanMixin, OrgPage):
    """Add an objective, key result or activity from the forms on the plan page.

    GET answers the form: the plan page loads each one when its fold is first opened (HTMX), or, without
    JavaScript, as a page of its own (the forms' selects and widgets were a sixth of the plan page's time).
    """

    required_roles = {"GET": Role.MANAGER}  # a form for writing: viewers get 403, not a form to submit
    template_name = "plans/add_form.html"
    fragment_template_name = "plans/_add_form.html"
    FORMS = {"objective": forms.ObjectiveForm, "key-result": forms.KeyResultForm, "activity": forms.ActivityForm}
    TITLES = {"objective": _("Add an objective"), "key-result": _("Add a key result"), "activity": _("Add an activity")}

    def _form(self, plan, what, data=None):
        if what not in self.FORMS:
            raise Http404(_("Unknown item"))
        extra = {} if what == "objective" else {"plan": plan}
        return self.FORMS[what](data, org=self.org, **extra)

    def get(self, request, org_slug, pk, what):
        plan = self.get_plan()
        form = self._form(plan, what)
        if plan.is_closed:
            raise PermissionDenied(_("This plan is closed: nothing can be added to it."))
        return self.show(request, self.ctx(plan=plan, form=form, what=what, title=self.TITLES[what]))

    def post(self, request, org_slug, pk, what):
        plan = self.get_plan()
        form = self._form(plan, what, request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            messages.error(request, _("Nothing was added. %(errors)s") % {"errors": errors})
            return redirect("plans:detail", org_slug=self.org.slug, pk=plan.pk)
        data = dict(form.cleaned_data)
        try:
            if what == "objective":
                services.objective_create(org=self.org, actor=request.user, plan=plan, **data)
            elif what == "key-result":
                services.key_result_create(org=self.org, actor=request.user, **data)
            else:
                services.activity_create(org=self.org, actor=request.user, plan=plan, **data)
        except ValidationError as exc:
            messages.error(
                request, _("Nothing was added. %(error_text)s") % {"error_text": error_text(exc, labelled=True)}
            )
        else:
            messages.success(request, _("%(replace)s added.") % {"replace": what.replace("-", " ").capitalize()})
        return redirect("plans:detail", org_slug=self.org.slug, pk=plan.pk)


class PlanItemDeleteView(OrgPage):
    def post(self, request, org_slug, what, pk):
        models = {"objective": Objective, "key-result": KeyResult, "activity": Activity}
        if what not in models:
            raise Http404(_("Unknown item"))
        item = get_object_or_404(models[what].objects.for_org(self.org), pk=pk)
        plan_id = item.plan_id
        delete = {
            "objective": lambda: services.objective_delete(org=self.org, actor=request.user, objective=item),
            "key-result": lambda: services.key_result_delete(org=self.org, actor=request.user, key_result=item),
            "activity": lambda: services.activity_delete(org=self.org, actor=request.user, activity=item),
        }[what]
        try:
            delete()
        except ValidationError as exc:
            messages.error(request, error_text(exc, labelled=True))
        else:
            messages.success(request, _("“%(item)s” deleted.") % {"item": item})
        return redirect("plans:detail", org_slug=self.org.slug, pk=plan_id)


ITEM_MODELS = {"objective": Objective, "key-result": KeyResult, "activity": Activity}
ITEM_FIELDS = {
    "objective": ["title", "description", "phase", "weight", "responsible_side"],
    "key-result": [
        "objective",
        "name",
        "unit",
        "direction",
        "baseline",
        "target",
        "responsible_side",
        "responsible",
        "due_date",
        "update_frequency",
    ],
    "activity": ["title", "objective", "type", "owner_side", "assignee", "due_date"],
}


class PlanItemEditView(OrgPage):
    """Edit an objective, key result or activity of an open plan."""

    required_role = Role.MANAGER  # forms for writing: viewers get 403, not a form they cannot submit

    template_name = "plans/plan_form.html"

    def _item(self):
        what = self.kwargs["what"]
        if what not in ITEM_MODELS:
            raise Http404(_("Unknown item"))
        queryset = ITEM_MODELS[what].objects.for_org(self.org).select_related("plan")
        return what, get_object_or_404(queryset, pk=self.kwargs["pk"])

    def _form(self, what, item, data=None):
        form_class = {
            "objective": forms.ObjectiveForm,
            "key-result": forms.KeyResultForm,
            "activity": forms.ActivityForm,
        }
        extra = {} if what == "objective" else {"plan": item.plan}
        initial = {}
        for name in ITEM_FIELDS[what]:
            field = item._meta.get_field(name)
            initial[name] = getattr(item, field.attname)
        return form_class[what](data, org=self.org, initial=initial, **extra)

    def _render(self, request, what, item, form, status=200):
        context = self.ctx(
            form=form,
            plan=item.plan,
            title=f"Edit {what.replace('-', ' ')} “{item}”",
            delete_url=reverse("plans:item_delete", args=[self.org.slug, what, item.pk]),
        )
        return self.show(request, context, status=status)

    def get(self, request, org_slug, what, pk):
        what, item = self._item()
        return self._render(request, what, item, self._form(what, item))

    def post(self, request, org_slug, what, pk):
        what, item = self._item()
        form = self._form(what, item, request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in ITEM_FIELDS[what]}
            update = {
                "objective": lambda: services.objective_update(
                    org=self.org, actor=request.user, objective=item, data=data
                ),
                "key-result": lambda: services.key_result_update(
                    org=self.org, actor=request.user, key_result=item, data=data
                ),
                "activity": lambda: services.activity_update(
                    org=self.org, actor=request.user, activity=item, data=data
                ),
            }[what]
            try:
                update()
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                messages.success(request, _("Saved."))
                return redirect("plans:detail", org_slug=self.org.slug, pk=item.plan_id)
        return self._render(request, what, item, form, status=400)


class _InlineUpdateView(OrgPage):
    """HTMX: post, then re-render the plan's OKR fragment with a message; plain POST redirects."""

    def respond(self, request, plan_id: int, flash: str, error: bool):
        if request.htmx:
            plan = selectors.plan_tree(org=self.org, plan=plan_id)
            context = plan_context(plan=plan, can_write=self.can_write, flash=flash, flash_error=error)
            return self.show(request, self.ctx(**context), template="plans/_okr.html")
        (messages.error if error else messages.success)(request, flash)
        return redirect("plans:detail", org_slug=self.org.slug, pk=plan_id)


class CheckInView(_InlineUpdateView):
    def post(self, request, org_slug, pk):
        kr = get_object_or_404(KeyResult.objects.for_org(self.org).select_related("plan"), pk=pk)
        form = forms.CheckInForm(request.POST)
        if not form.is_valid():
            return self.respond(request, kr.plan_id, f"{kr.name}: enter a number as the new value.", True)
        try:
            checkin_services.checkin_create(org=self.org, actor=request.user, key_result=kr, **form.cleaned_data)
        except ValidationError as exc:
            return self.respond(request, kr.plan_id, f"{kr.name}: {error_text(exc, labelled=True)}", True)
        return self.respond(request, kr.plan_id, f"Checked in {form.cleaned_data['value']} on “{kr.name}”.", False)


class ActivityUpdateView(_InlineUpdateView):
    def post(self, request, org_slug, pk):
        activity = get_object_or_404(Activity.objects.for_org(self.org).select_related("plan"), pk=pk)
        form = forms.ActivityUpdateForm(request.POST)
        if not form.is_valid():
            return self.respond(request, activity.plan_id, f"{activity.title}: {form.errors.as_text()}", True)
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k in request.POST and v not in (None, "") and v != getattr(activity, k)
        }
        try:
            services.activity_update(org=self.org, actor=request.user, activity=activity, data=data)
        except ValidationError as exc:
            return self.respond(request, activity.plan_id, f"{activity.title}: {error_text(exc, labelled=True)}", True)
        return self.respond(request, activity.plan_id, f"“{activity.title}” updated.", False)


class QbrView(PlanMixin, OrgRequiredMixin, TemplateView):
    """The plan as of a date (e.g. the last QBR): progress then versus now."""

    template_name = "plans/qbr.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = selectors.plan_tree(org=self.org, plan=self.get_plan())
        default = max(plan.period_start, timezone.localdate() - datetime.timedelta(days=90))
        try:
            as_of = datetime.date.fromisoformat(self.request.GET.get("as_of", ""))
        except ValueError:
            as_of = default
        context.update(plan=plan, as_of=as_of, rows=selectors.plan_as_of(org=self.org, plan=plan, as_of=as_of))
        return context


# --- meetings and the partner tab ----------------------------------------------------------------


class MeetingsView(OrgPage):
    """Governance meetings on one partnership, and the form to record one."""

    template_name = "plans/meetings.html"

    def _partnership(self) -> Partnership:
        queryset = Partnership.objects.for_org(self.org).select_related("partner", "program")
        return get_object_or_404(queryset, pk=self.kwargs["partnership_pk"])

    def _render(self, request, partnership, form, status=200):
        page = paginate(request, selectors.meeting_list(org=self.org, partnership=partnership), per_page=20)
        context = self.ctx(partnership=partnership, page=page, query=query_without_page(request), form=form)
        return self.show(request, context, status=status)

    def get(self, request, org_slug, partnership_pk):
        partnership = self._partnership()
        form = forms.MeetingForm(org=self.org, partnership=partnership) if self.can_write else None
        return self._render(request, partnership, form)

    def post(self, request, org_slug, partnership_pk):
        partnership = self._partnership()
        form = forms.MeetingForm(request.POST, org=self.org, partnership=partnership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["vendor_attendees"] = list(data["vendor_attendees"])
            data["partner_attendees"] = list(data["partner_attendees"])
            try:
                meeting = meeting_services.meeting_create(
                    org=self.org, actor=request.user, partnership=partnership, **data
                )
            except ValidationError as exc:
                add_errors(form, exc, labelled=True)
            else:
                follow = meeting.follow_ups.count()
                messages.success(
                    request,
                    ngettext(
                        "Meeting recorded with %(n)s follow-up activity.",
                        "Meeting recorded with %(n)s follow-up activities.",
                        follow,
                    )
                    % {"n": follow}
                    if follow
                    else _("Meeting recorded."),
                )
                return redirect("plans:meetings", org_slug=self.org.slug, partnership_pk=partnership.pk)
        return self._render(request, partnership, form, status=400)


class PartnerTabView(OrgRequiredMixin, TemplateView):
    """The Plans tab of the partner page (an HTML fragment): plans per partnership, progress, meetings."""

    template_name = "plans/_partner_tab.html"
    required_role = Role.VIEWER

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        partner = get_object_or_404(Partner.objects.for_org(self.org), pk=self.kwargs["partner_pk"])
        plans = list(selectors.plans_for_partner(org=self.org, partner=partner))
        selectors.plan_metrics(org=self.org, plans=plans)
        partnerships = Partnership.objects.for_org(self.org).filter(partner=partner).select_related("program")
        context.update(partner=partner, plans=plans, partnerships=partnerships)
        return context
