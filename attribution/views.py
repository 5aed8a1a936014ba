"""Pipeline, registration, attribution settings and metrics pages under /o/<org>/pipeline/."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from attribution import cosell_selectors, engine, forms, importing, registrations, runs, selectors, services
from attribution.filters import OpportunityFilter
from attribution.models import (
    AttributionRun,
    DealRegistration,
    Opportunity,
    OpportunityPartner,
    SplitRule,
)
from partners.models import Partner, Program
from pom import picker
from pom.models import Role
from pom.pages import OrgPage, add_errors, error_text
from pom.web import paginate, query_without_page


def _first(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Not found"))
    return obj


class PipelineView(OrgPage):
    """Base of the app's pages (pom.pages.OrgPage: org and role from the URL, shared context)."""


# Pipeline ------------------------------------------------------------------------------------------


class PipelineListView(PipelineView):
    template_name = "attribution/pipeline.html"
    fragment_template_name = "attribution/_pipeline_rows.html"

    def get(self, request, org_slug):
        data, picker_error = picker.resolve_query(request.GET, org=self.org, field="partner", kind="partners")
        filterset = OpportunityFilter(data or None, queryset=Opportunity.objects.for_org(self.org))
        filters = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
        page = paginate(request, selectors.opportunity_list(org=self.org, filters=filters), per_page=25)
        context = self.ctx(
            page=page,
            query=query_without_page(request),
            form=filterset.form,
            filters=data,
            picker_error=picker_error,
            programs=Program.objects.for_org(self.org).order_by("name").only("id", "name"),
            stages=Opportunity.Stage.choices,
            statuses=Opportunity.Status.choices,
            roles=OpportunityPartner.Role.choices,
            run=selectors.attribution_run_latest(org=self.org),
        )
        return self.show(request, context)


class OpportunityCreateView(PipelineView):
    def get(self, request, org_slug):
        return render(request, "attribution/opportunity_form.html", self.ctx(form=forms.OpportunityForm(org=self.org)))

    def post(self, request, org_slug):
        form = forms.OpportunityForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                opportunity = services.opportunity_create(org=self.org, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opportunity.name})
                return redirect("attribution:opportunity", org_slug=self.org.slug, pk=opportunity.pk)
        return render(request, "attribution/opportunity_form.html", self.ctx(form=form), status=400)


class OpportunityDetailView(PipelineView):
    """Partners and roles, touchpoints, materiality scores and the credit per model with explanations."""

    template_name = "attribution/opportunity.html"

    def opportunity(self, pk) -> Opportunity:
        return _first(Opportunity.objects.for_org(self.org).select_related("account", "owner"), pk)

    def get(self, request, org_slug, pk, **forms_in_error):
        opportunity = self.opportunity(pk)
        context = self.ctx(
            opportunity=opportunity,
            links=selectors.opportunity_partners(org=self.org, opportunity=opportunity),
            touchpoints=selectors.opportunity_touchpoints(org=self.org, opportunity=opportunity),
            scores=selectors.opportunity_scores(org=self.org, opportunity=opportunity),
            credits=selectors.credits_by_model(org=self.org, opportunity=opportunity),
            credit_rules=engine.RULES_DOC,
            registrations=selectors.registration_list(org=self.org).filter(opportunity=opportunity),
            run=selectors.attribution_run_latest(org=self.org),
            partner_form=forms_in_error.get("partner_form") or forms.OpportunityPartnerForm(org=self.org),
            touch_form=forms_in_error.get("touch_form") or forms.TouchpointForm(org=self.org),
            score_form=forms_in_error.get("score_form") or forms.MaterialityForm(org=self.org),
            cosell=cosell_selectors.opportunity_cosell(org=self.org, opportunity=opportunity),
        )
        return render(request, self.template_name, context, status=400 if forms_in_error else 200)


class OpportunityActionView(OpportunityDetailView):
    """POST targets on the opportunity page: add a partner, a touchpoint, a score; remove a partner."""

    def get(self, request, org_slug, pk, what, link_pk=None):
        """POST only; the objects are looked up first, so another tenant's or a missing id is 404 here too."""
        opportunity = self.opportunity(pk)
        if what == "confirm-touchpoint":
            self.touchpoint(opportunity, link_pk)
        elif what == "remove-partner":
            self.link(opportunity, link_pk)
        return HttpResponseNotAllowed(["POST"])

    def touchpoint(self, opportunity, link_pk):
        return _first(selectors.opportunity_touchpoints(org=self.org, opportunity=opportunity), link_pk)

    def link(self, opportunity, link_pk) -> OpportunityPartner:
        return _first(OpportunityPartner.objects.for_org(self.org).filter(opportunity=opportunity), link_pk)

    def post(self, request, org_slug, pk, what, link_pk=None):
        opportunity = self.opportunity(pk)
        org, actor = self.org, request.user
        if what == "confirm-touchpoint":
            touchpoint = self.touchpoint(opportunity, link_pk)
            services.touchpoint_confirm(org=org, actor=actor, touchpoint=touchpoint)
            messages.success(request, _("Touchpoint confirmed."))
            return redirect("attribution:opportunity", org_slug=org.slug, pk=pk)
        if what == "remove-partner":
            link = self.link(opportunity, link_pk)
            services.opportunity_partner_remove(org=org, actor=actor, link=link)
            messages.success(request, _("Partner removed from the deal; credit is being recomputed."))
            return redirect("attribution:opportunity", org_slug=org.slug, pk=pk)
        form_class, key = {
            "partners": (forms.OpportunityPartnerForm, "partner_form"),
            "touchpoints": (forms.TouchpointForm, "touch_form"),
            "scores": (forms.MaterialityForm, "score_form"),
        }.get(what, (None, None))
        if form_class is None:
            raise Http404(_("No such action"))
        form = form_class(request.POST, org=org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if what == "partners":
                    services.opportunity_partner_add(org=org, actor=actor, opportunity=opportunity, **data)
                elif what == "touchpoints":
                    services.touchpoint_create(org=org, actor=actor, opportunity=opportunity, **data)
                else:
                    services.materiality_score_set(org=org, actor=actor, opportunity=opportunity, **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Saved; credit is being recomputed."))
                return redirect("attribution:opportunity", org_slug=org.slug, pk=pk)
        return OpportunityDetailView.get(self, request, org_slug, pk, **{key: form})


# Registrations -------------------------------------------------------------------------------------


class RegistrationInboxView(PipelineView):
    """Reviewers' inbox: pending first, conflicts highlighted; `?status=` for the other states."""

    template_name = "attribution/registrations.html"

    def get(self, request, org_slug):
        status = request.GET.get("status", "pending")
        statuses = list(DealRegistration.PENDING) if status == "pending" else ([status] if status else None)
        if status and status != "pending" and status not in DealRegistration.Status.values:
            statuses = None
        page = paginate(request, selectors.registration_list(org=self.org, status=statuses), per_page=25)
        counts = selectors.registration_counts(org=self.org)
        tabs = [("pending", "To review", sum(counts.get(s, 0) for s in DealRegistration.PENDING))] + [
            (value, label, counts.get(value, 0))
            for value, label in DealRegistration.Status.choices
            if value not in DealRegistration.PENDING
        ]
        context = self.ctx(page=page, query=query_without_page(request), status=status, tabs=tabs)
        return render(request, self.template_name, context)


class RegistrationCreateView(PipelineView):
    """Register a deal on a partner's behalf; the conflicts show on the next screen at once."""

    def get(self, request, org_slug):
        form = forms.RegistrationForm(org=self.org, initial={"partnership": request.GET.get("partnership")})
        return render(request, "attribution/registration_form.html", self.ctx(form=form))

    def post(self, request, org_slug):
        form = forms.RegistrationForm(request.POST, org=self.org)
        if form.is_valid():
            try:
                registration = registrations.registration_submit(
                    org=self.org, actor=request.user, via="vendor", **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if registration.conflicts:
                    messages.warning(
                        request,
                        _("Registered with %(len)s conflict(s): see below.") % {"len": len(registration.conflicts)},
                    )
                else:
                    messages.success(request, _("Registered: no conflict found."))
                return redirect("attribution:registration", org_slug=self.org.slug, pk=registration.pk)
        return render(request, "attribution/registration_form.html", self.ctx(form=form), status=400)


class RegistrationDetailView(PipelineView):
    """The review screen: the claim, its conflicts, the partner's track record, the trail, the decision."""

    template_name = "attribution/registration.html"

    def registration(self, pk) -> DealRegistration:
        return _first(selectors.registration_list(org=self.org), pk)

    def get(self, request, org_slug, pk, status=200, **forms_in_error):
        registration = self.registration(pk)
        live_conflicts = []
        if registration.is_pending:
            live_conflicts = selectors.registration_conflicts(
                org=self.org,
                partnership_id=registration.partnership_id,
                customer_name=registration.customer_name,
                customer_domain=registration.customer_domain,
                exclude_id=registration.id,
            )
        history = selectors.registration_counts_for(org=self.org, partnership_id=registration.partnership_id)
        context = self.ctx(
            registration=registration,
            conflicts=live_conflicts if registration.is_pending else registration.conflicts,
            stored_conflicts=registration.conflicts,
            first_in=not any(
                c["kind"] == "pipeline" or c.get("submitted_at", "") < registration.submitted_at.isoformat()
                for c in live_conflicts
            ),
            history=history,
            trail=selectors.registration_trail(org=self.org, registration=registration, partner_view=False),
            approve_form=forms_in_error.get("approve_form") or forms.ApproveForm(org=self.org),
            reject_form=forms_in_error.get("reject_form") or forms.ReasonForm(),
            info_form=forms_in_error.get("info_form") or forms.MessageForm(),
        )
        return render(request, self.template_name, context, status=status)


class RegistrationDecideView(RegistrationDetailView):
    def get(self, request, org_slug, pk, **kwargs):
        """POST only; the registration is looked up first, so another tenant's or a missing id is 404."""
        self.registration(pk)
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, org_slug, pk, decision):
        registration = self.registration(pk)
        org, actor = self.org, request.user
        if decision == "approve":
            form, key = forms.ApproveForm(request.POST, org=org), "approve_form"
        elif decision == "reject":
            form, key = forms.ReasonForm(request.POST), "reject_form"
        elif decision == "request-info":
            form, key = forms.MessageForm(request.POST), "info_form"
        else:
            raise Http404(_("No such decision"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if decision == "approve":
                    registrations.registration_approve(org=org, actor=actor, registration=registration, **data)
                elif decision == "reject":
                    registrations.registration_reject(
                        org=org, actor=actor, registration=registration, reason=data["reason"]
                    )
                else:
                    registrations.registration_request_info(
                        org=org, actor=actor, registration=registration, message=data["message"]
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded; the partner sees it in their workspace."))
                return redirect("attribution:registration", org_slug=org.slug, pk=pk)
        return RegistrationDetailView.get(self, request, org_slug, pk, status=400, **{key: form})


# Settings, split rules, runs ------------------------------------------------------------------------


class SettingsView(PipelineView):
    """Attribution settings (admin to change) and the split-rule library with its versions."""

    template_name = "attribution/settings.html"
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN}

    def get(self, request, org_slug, status=200, config_form=None, rule_form=None):
        config = selectors.attribution_config(org=self.org)
        context = self.ctx(
            config_form=config_form or forms.ConfigForm(instance=config),
            rule_form=rule_form or forms.SplitRuleForm(org=self.org),
            rules=selectors.split_rule_list(org=self.org),
            partnership_names={
                p.pk: f"{p.partner.name} · {p.program.name}" for p in selectors.partnership_choices(org=self.org)
            },
            influence_types=selectors.influence_type_list(org=self.org, active_only=False),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        config = selectors.attribution_config(org=self.org)
        form = forms.ConfigForm(request.POST, instance=config)
        if form.is_valid():
            try:
                services.attribution_config_update(org=self.org, actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Attribution settings saved; credit is being recomputed."))
                return redirect("attribution:settings", org_slug=self.org.slug)
        return self.get(request, org_slug, status=400, config_form=form)


class SplitRuleCreateView(SettingsView):
    def post(self, request, org_slug):
        form = forms.SplitRuleForm(request.POST, org=self.org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.split_rule_create(
                    org=self.org,
                    actor=request.user,
                    name=data["name"],
                    match_on=data["match_on"],
                    match_value=data["match_value"],
                    priority=data["priority"],
                    note=data["note"],
                    shares=form.shares(),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Rule “%(data)s” created.") % {"data": data["name"]})
                return redirect("attribution:settings", org_slug=self.org.slug)
        return self.get(request, org_slug, status=400, rule_form=form)


class SplitRuleReviseView(SettingsView):
    """A new version of a rule's shares; GET shows the form pre-filled with the current version."""

    def rule(self, pk) -> SplitRule:
        return _first(selectors.split_rule_list(org=self.org), pk)

    def get(self, request, org_slug, pk, form=None, status=200):
        rule = self.rule(pk)
        if form is None:
            current = next((v for v in rule.versions.all() if v.version == rule.current_version), None)
            initial = {}
            for i, share in enumerate(current.shares if current else []):
                initial[f"partnership_{i}"] = share["partnership_id"]
                initial[f"percent_{i}"] = share["percent"]
            form = forms.SplitRuleForm(org=self.org, with_rule_fields=False, initial=initial)
        context = self.ctx(rule=rule, form=form)
        return render(request, "attribution/rule_revise.html", context, status=status)

    def post(self, request, org_slug, pk):
        rule = self.rule(pk)
        form = forms.SplitRuleForm(request.POST, org=self.org, with_rule_fields=False)
        if form.is_valid():
            try:
                version = services.split_rule_revise(
                    org=self.org, actor=request.user, rule=rule, shares=form.shares(), note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Rule “%(name)s” is now at version %(version)s.")
                    % {"name": rule.name, "version": version.version},
                )
                return redirect("attribution:settings", org_slug=self.org.slug)
        return self.get(request, org_slug, pk, form=form, status=400)


class InfluenceTypeView(SettingsView):
    """Add an influence type (POST with `name`) or switch one on or off (POST to its `pk`)."""

    def post(self, request, org_slug, pk=None):
        try:
            if pk is None:
                services.influence_type_create(org=self.org, actor=request.user, name=request.POST.get("name", ""))
            else:
                kind = _first(selectors.influence_type_list(org=self.org, active_only=False), pk)
                services.influence_type_toggle(org=self.org, actor=request.user, influence_type=kind)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("attribution:settings", org_slug=self.org.slug)


class RunView(PipelineView):
    """POST starts a recomputation; GET returns the run's status fragment, which HTMX polls while it runs."""

    def get(self, request, org_slug, pk=None):
        if pk is None:
            return redirect("attribution:list", org_slug=self.org.slug)
        run = _first(AttributionRun.objects.for_org(self.org), pk)
        return render(request, "attribution/_run_status.html", self.ctx(run=run))

    def post(self, request, org_slug, pk=None):
        if pk is not None:  # a run's URL is polled, not posted to: looked up first (404 for a foreign id)
            _first(AttributionRun.objects.for_org(self.org), pk)
            return HttpResponseNotAllowed(["GET"])
        run = runs.attribution_run_start(org=self.org, actor=request.user)
        if self.fragment(request):
            run.refresh_from_db()
            return render(request, "attribution/_run_status.html", self.ctx(run=run))
        messages.success(request, _("Attribution run queued."))
        return redirect(request.POST.get("next") or reverse("attribution:list", args=[self.org.slug]))


# Metrics, import, partner tab --------------------------------------------------------------------------


class MetricsView(PipelineView):
    template_name = "attribution/metrics.html"

    def get(self, request, org_slug):
        since = request.GET.get("since") or ""
        try:
            since = datetime.date.fromisoformat(since) if since else None
        except ValueError:
            since = None
        metrics = selectors.pipeline_metrics(org=self.org, filters={"since": since})
        figures = selectors.metrics_figures(metrics=metrics)
        context = self.ctx(metrics=metrics, figures=figures, since=since)
        return render(request, self.template_name, context)


class ImportView(PipelineView):
    """CSV import of accounts or opportunities: upload -> preview (every row validated) -> commit."""

    template_name = "attribution/import.html"

    def get(self, request, org_slug):
        if request.GET.get("template") in importing.COLUMNS:
            kind = request.GET["template"]
            response = HttpResponse(importing.template_csv(kind), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="pom-{kind}-template.csv"'
            return response
        return render(request, self.template_name, self.ctx(form=forms.ImportForm()))

    def post(self, request, org_slug):
        form = forms.ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self.ctx(form=form), status=400)
        kind, content = form.cleaned_data["kind"], form.cleaned_data["content"]
        preview = importing.import_preview(org=self.org, kind=kind, content=content)
        if request.POST.get("commit") and not preview["errors"]:
            job = importing.import_request(org=self.org, actor=request.user, kind=kind, content=content)
            messages.success(request, _("The import runs in the background; this page shows its progress."))
            return redirect("org_job", org_slug=self.org.slug, pk=job.pk)
        context = self.ctx(
            form=forms.ImportForm(initial={"kind": kind, "content": content}),
            preview=preview,
            kind=kind,
            columns=importing.COLUMNS[kind],
        )
        return render(request, self.template_name, context, status=400 if preview["errors"] else 200)


class PartnerTabView(PipelineView):
    """The "Pipeline" tab of the partner page: the partner's deals, registrations and credit."""

    def get(self, request, org_slug, partner_pk):
        partner = _first(Partner.objects.for_org(self.org), partner_pk)
        ids = list(selectors.partnership_choices(org=self.org).filter(partner=partner).values_list("id", flat=True))
        links = paginate(request, selectors.partnership_pipeline(org=self.org, partnership_ids=ids), per_page=20)
        context = self.ctx(
            partner=partner,
            links=links,
            registrations=selectors.registration_list(org=self.org, partnership_ids=ids)[:10],
            metrics=selectors.pipeline_metrics(org=self.org, filters={"partnership_ids": ids})["by_partnership"],
        )
        return render(request, "attribution/_partner_tab.html", context)
