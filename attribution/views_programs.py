"""Vendor pages for incentives, market development funds and joint solutions under /o/<org>/pipeline/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from attribution import commissions, forms, incentives, mdf, mdf_report, mdf_selectors, selectors, solutions
from attribution.models import JointSolution, MdfProof, MdfRequest, SolutionStep, Statement
from attribution.views import PipelineView
from partners.models import Partnership, Program, Tier
from pom import jobs
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page


def _programs(org):
    return Program.objects.for_org(org).order_by("name")


# Incentives -------------------------------------------------------------------------------------


class IncentivesView(PipelineView):
    """Commission rules, statements by status, the accrual job, statement generation and exports."""

    template_name = "attribution/incentives.html"

    def render_page(self, request, rule_form=None, period_form=None, status=200):
        status_filter = request.GET.get("status", "")
        page = paginate(request, incentives.statement_list(org=self.org, status=status_filter or None), per_page=25)
        context = self.ctx(
            section="incentives",
            rules=incentives.commission_rule_list(org=self.org),
            page=page,
            query=query_without_page(request),
            statuses=Statement.Status.choices,
            status_filter=status_filter,
            rule_form=rule_form
            or forms.CommissionRuleForm(
                programs=_programs(self.org), tiers=Tier.objects.for_org(self.org).select_related("program")
            ),
            period_form=period_form or forms.StatementPeriodForm(),
            accrual_job=jobs.job_latest(org=self.org, kind="attribution.commissions"),
            export_jobs=list(jobs.job_list(org=self.org, kind="attribution.commission_export")[:3]),
            statement_jobs=list(jobs.job_list(org=self.org, kind="attribution.statements")[:3]),
            how=commissions.how_computed(),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        action = request.POST.get("action")
        if action == "compute":
            incentives.commission_accruals_request(org=self.org, actor=request.user)
            messages.success(request, _("Commissions are being recomputed."))
            return redirect("attribution:incentives", self.org.slug)
        if action == "export":
            try:
                incentives.statements_export_request(
                    org=self.org,
                    actor=request.user,
                    fmt=request.POST.get("format", "csv"),
                    status=request.POST.get("status", ""),
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            return redirect("attribution:incentives", self.org.slug)
        if action == "statements":
            form = forms.StatementPeriodForm(request.POST)
            if form.is_valid():
                try:
                    incentives.statements_generate_request(org=self.org, actor=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Statements are being prepared."))
                    return redirect("attribution:incentives", self.org.slug)
            return self.render_page(request, period_form=form, status=400)
        form = forms.CommissionRuleForm(
            request.POST, programs=_programs(self.org), tiers=Tier.objects.for_org(self.org)
        )
        if form.is_valid():
            data = dict(form.cleaned_data)
            program = _programs(self.org).get(pk=data.pop("program"))
            data["tier"] = Tier.objects.for_org(self.org).filter(pk=data["tier"]).first() if data["tier"] else None
            data["fee_currency"] = (data.get("fee_currency") or "").upper()
            try:
                incentives.commission_rule_create(org=self.org, actor=request.user, program=program, data=data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Rule added; commissions are being recomputed."))
                return redirect("attribution:incentives", self.org.slug)
        return self.render_page(request, rule_form=form, status=400)


class StatementView(PipelineView):
    template_name = "attribution/statement.html"

    def statement(self, pk) -> Statement:
        statement = incentives.statement_list(org=self.org).filter(pk=pk).first()
        if statement is None:
            raise Http404(_("No such statement"))
        return statement

    def get(self, request, org_slug, pk):
        statement = self.statement(pk)
        lines = incentives.accrual_list(org=self.org, statement=statement).order_by("period", "id")
        return render(
            request,
            self.template_name,
            self.ctx(section="incentives", statement=statement, lines=lines, form=forms.DecisionForm()),
        )

    def post(self, request, org_slug, pk):
        statement = self.statement(pk)
        try:
            if request.POST.get("action") == "approve":
                incentives.statement_approve(org=self.org, actor=request.user, statement=statement)
            else:
                incentives.statement_pay(
                    org=self.org,
                    actor=request.user,
                    statement=statement,
                    payment_reference=request.POST.get("payment_reference", ""),
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("attribution:statement", self.org.slug, statement.pk)


# Market development funds ------------------------------------------------------------------------


class MdfView(PipelineView):
    """Budgets, the report (utilisation, unused share beside the 40 % reference, campaigns) and requests."""

    template_name = "attribution/mdf.html"

    def render_page(self, request, budget_form=None, status=200):
        status_filter = request.GET.get("status", "")
        budgets = list(mdf_selectors.mdf_budget_list(org=self.org))
        usage = mdf_selectors.budget_usage(org=self.org, budget_ids=[b.pk for b in budgets])
        for budget in budgets:
            budget.usage = usage.get(budget.pk, {})
        report = mdf_report.mdf_report(org=self.org)
        page = paginate(
            request, mdf_selectors.mdf_request_list(org=self.org, status=status_filter or None), per_page=25
        )
        for item in page.object_list:
            item.next_text, item.next_side = mdf_selectors.next_step(item)
        context = self.ctx(
            section="mdf",
            budgets=budgets,
            report=report,
            figure=mdf_report.mdf_report_figure(report) if report["programs"] else "",
            page=page,
            query=query_without_page(request),
            statuses=MdfRequest.Status.choices,
            status_filter=status_filter,
            budget_form=budget_form
            or forms.MdfBudgetForm(programs=_programs(self.org), initial={"currency": self.org.currency}),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        form = forms.MdfBudgetForm(request.POST, programs=_programs(self.org))
        if form.is_valid():
            data = dict(form.cleaned_data)
            program = _programs(self.org).get(pk=data.pop("program"))
            data["currency"] = data["currency"].upper()
            try:
                mdf.mdf_budget_create(org=self.org, actor=request.user, program=program, data=data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Budget created."))
                return redirect("attribution:mdf", self.org.slug)
        return self.render_page(request, budget_form=form, status=400)


class MdfRequestView(PipelineView):
    """One request: the partner's ask, the trail, and the vendor's decisions at each step."""

    template_name = "attribution/mdf_request.html"

    def item(self, pk) -> MdfRequest:
        item = mdf_selectors.mdf_request_list(org=self.org).filter(pk=pk).first()
        if item is None:
            raise Http404(_("No such request"))
        return item

    def get(self, request, org_slug, pk, form=None, status=200):
        item = self.item(pk)
        item.next_text, item.next_side = mdf_selectors.next_step(item)
        claim = getattr(item, "claim", None) if hasattr(item, "claim") else None
        context = self.ctx(
            section="mdf",
            item=item,
            claim=claim,
            trail=mdf_selectors.mdf_trail(org=self.org, request=item),
            proofs=list(claim.proofs.all()) if claim else [],
            form=form or forms.DecisionForm(),
            can_decide=mdf_selectors.can_decide(org=self.org, budget=item.budget, user=request.user),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug, pk):
        item = self.item(pk)
        form = forms.DecisionForm(request.POST)
        form.is_valid()
        data, action = form.cleaned_data, request.POST.get("action")
        claim = getattr(item, "claim", None) if hasattr(item, "claim") else None
        try:
            if action in ("approve", "reject"):
                mdf.mdf_request_decide(
                    org=self.org,
                    actor=request.user,
                    request=item,
                    approve=action == "approve",
                    amount_approved=data.get("amount"),
                    comment=data.get("comment", ""),
                )
            elif action in ("claim-approve", "claim-reject") and claim:
                mdf.mdf_claim_decide(
                    org=self.org,
                    actor=request.user,
                    claim=claim,
                    approve=action == "claim-approve",
                    amount_approved=data.get("amount"),
                    comment=data.get("comment", ""),
                )
            elif action == "reimburse" and claim:
                mdf.mdf_reimburse(
                    org=self.org,
                    actor=request.user,
                    claim=claim,
                    amount=data.get("amount") if data.get("amount") is not None else claim.amount_approved,
                    payment_reference=data.get("payment_reference", ""),
                )
            elif action in ("compliance-pass", "compliance-fail") and claim:
                mdf.mdf_compliance_check(
                    org=self.org,
                    actor=request.user,
                    claim=claim,
                    passed=action == "compliance-pass",
                    note=data.get("comment", ""),
                )
            else:
                raise Http404(_("No such action"))
        except ValidationError as exc:
            add_errors(form, exc)
            return self.get(request, org_slug, pk, form=form, status=400)
        messages.success(request, _("Recorded."))
        return redirect("attribution:mdf_request", self.org.slug, item.pk)


class MdfProofView(PipelineView):
    def get(self, request, org_slug, proof_id):
        proof = MdfProof.objects.for_org(self.org).filter(public_id=proof_id).first()
        if proof is None:
            raise Http404(_("No such file"))
        response = FileResponse(
            proof.file.open("rb"), as_attachment=True, filename=proof.original_name, content_type=proof.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# Joint solutions --------------------------------------------------------------------------------


class SolutionListView(PipelineView):
    template_name = "attribution/solutions.html"

    def partnerships(self):
        return Partnership.objects.for_org(self.org).select_related("partner", "program")

    def render_page(self, request, form=None, status=200):
        status_filter = request.GET.get("status", "")
        page = paginate(request, solutions.solution_list(org=self.org, status=status_filter or None), per_page=25)
        for solution in page.object_list:
            solution.current = solutions.current_step(solution)
        context = self.ctx(
            section="solutions",
            page=page,
            query=query_without_page(request),
            statuses=JointSolution.Status.choices,
            status_filter=status_filter,
            form=form or forms.SolutionIdeaForm(partnerships=self.partnerships()),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        form = forms.SolutionIdeaForm(request.POST, partnerships=self.partnerships())
        if form.is_valid():
            data = dict(form.cleaned_data)
            chosen = list(self.partnerships().filter(pk__in=data.pop("partnerships")))
            try:
                solution = solutions.solution_idea_submit(org=self.org, actor=request.user, partnerships=chosen, **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return redirect("attribution:solution", self.org.slug, solution.pk)
        return self.render_page(request, form=form, status=400)


class SolutionView(PipelineView):
    """One solution: vetting, steps with the vendor side's actions, the split, deals and retention."""

    template_name = "attribution/solution.html"

    def solution(self, pk) -> JointSolution:
        solution = solutions.solution_list(org=self.org).filter(pk=pk).first()
        if solution is None:
            raise Http404(_("No such solution"))
        return solution

    def get(self, request, org_slug, pk):
        solution = self.solution(pk)
        current = solutions.current_step(solution)
        for step in solution.steps.all():
            step.missing = solutions.step_approvals_missing(step)
            is_current = current is not None and step.pk == current.pk
            step.can_complete = (
                self.can_write and is_current and step.marked_done_at is None and step.owner_side in ("vendor", "both")
            )
            step.can_approve = self.can_write and is_current and "vendor" in step.missing
        deals = solutions.solution_deals(org=self.org, solution=solution).order_by("-created_on")[:25]
        credit = selectors.credit_list(org=self.org, model="rule_split").filter(
            opportunity__in=solutions.solution_deals(org=self.org, solution=solution)
        )
        context = self.ctx(
            section="solutions",
            solution=solution,
            current=current,
            deals=deals,
            credit=credit[:50],
            impact=solutions.solution_impact(org=self.org, solution=solution),
            partnerships=Partnership.objects.for_org(self.org).select_related("partner", "program"),
        )
        return render(request, self.template_name, context)

    def post(self, request, org_slug, pk):
        solution = self.solution(pk)
        action = request.POST.get("action")
        try:
            if action in ("accept", "decline"):
                solutions.solution_vet(
                    org=self.org,
                    actor=request.user,
                    solution=solution,
                    accept=action == "accept",
                    note=request.POST.get("note", ""),
                )
            elif action in ("complete", "approve"):
                step = (
                    SolutionStep.objects.for_org(self.org)
                    .filter(solution=solution, pk=request.POST.get("step"))
                    .first()
                )
                if step is None:
                    raise Http404(_("No such step"))
                act = solutions.solution_step_complete if action == "complete" else solutions.solution_step_approve
                act(org=self.org, actor=request.user, step=step, side="vendor", note=request.POST.get("note", ""))
            elif action == "split":
                shares = [
                    {
                        "partnership_id": pid,
                        "percent": request.POST.get(f"percent-{pid}"),
                        "role": request.POST.get(f"role-{pid}", ""),
                    }
                    for pid in request.POST.getlist("partnership")
                    if request.POST.get(f"percent-{pid}")
                ]
                solutions.solution_split_set(org=self.org, actor=request.user, solution=solution, shares=shares)
            elif action == "listing":
                solutions.solution_update(
                    org=self.org,
                    actor=request.user,
                    solution=solution,
                    data={"marketplace_url": request.POST.get("marketplace_url", "")},
                )
            else:
                raise Http404(_("No such action"))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Recorded."))
        return redirect("attribution:solution", self.org.slug, solution.pk)
