"""Workspace pages of programs in motion: Program (points, tiers, earnings), Funds (MDF) and Solutions.

Same door as every workspace page (`WorkspaceMixin`: no access 404, role too low 403); the rows shown
are those of the workspace's own partnerships only (`workspaces.programs`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from attribution import incentives, mdf_selectors, solutions
from partners import points, tiers
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page
from workspaces import programs
from workspaces.forms import ClaimForm, FundRequestForm, IdeaForm, StepForm
from workspaces.selectors import workspace_partnership_ids
from workspaces.views import WorkspaceMixin


class _DealRoomGuard:
    """Runs after `WorkspaceMixin` resolved the access: a deal room answers 404 on every program page."""

    def dispatch(self, request, *args, **kwargs):
        self.partnerships = programs.program_partnerships(access=self.access)
        return super().dispatch(request, *args, **kwargs)


class _ProgramMixin(WorkspaceMixin, _DealRoomGuard):
    """`self.partnerships`: the workspace's own partnerships, resolved once per request."""


LINES = 25


class ProgramView(_ProgramMixin, View):
    """Points balance and ledger, what the next tier takes, and what the partnership will be paid and when."""

    template_name = "workspaces/program.html"

    def get(self, request, workspace_id):
        org = self.workspace.organization
        ids = [p.pk for p in self.partnerships]
        ledger = paginate(request, points.point_entry_list(org=org, partnership_ids=ids), per_page=25)
        balances = points.point_balances(org=org, partnership_ids=ids)
        cards = programs.program_overview(access=self.access, partnerships=self.partnerships)
        for card in cards:
            card["balance"] = balances.get(card["partnership"].pk, 0)
        lines = list(incentives.accrual_list(org=org, partnership_ids=ids).order_by("-period", "-id")[:LINES])
        context = self.base_context(
            "program",
            cards=cards,
            ledger=ledger,
            earnings=programs.earnings(access=self.access, partnerships=self.partnerships),
            lines=lines,
            tier_how=tiers.how_computed(),
            query=query_without_page(request),
            points_how=" ".join(points.points_for_rule.__doc__.split()),
        )
        return render(request, self.template_name, context)


class FundsView(_ProgramMixin, View):
    """Every fund request of the workspace's partnerships, with status, next step and who is accountable."""

    template_name = "workspaces/funds.html"

    def _context(self, request, form=None, claim_forms=None):
        org = self.workspace.organization
        budgets = programs.open_budgets(access=self.access, partnerships=self.partnerships)
        requests = mdf_selectors.mdf_request_list(
            org=org, partnership_ids=[p.pk for p in self.partnerships], with_trail=True
        )
        page = paginate(request, requests, per_page=20)
        claim_forms = claim_forms or {}
        for item in page.object_list:
            item.next_text, item.next_side = mdf_selectors.next_step(item)
            item.trail = list(item.events.all())
            item.claim_form = claim_forms.get(item.pk) or ClaimForm(prefix=f"claim-{item.pk}")
            item.proof_list = list(item.claim.proofs.all()) if hasattr(item, "claim") else []
        if form is None and self.access.can_edit and budgets:
            form = FundRequestForm(partnerships=self.partnerships, budgets=budgets)
        return self.base_context("funds", page=page, budgets=budgets, form=form, query=query_without_page(request))

    def get(self, request, workspace_id):
        return render(request, self.template_name, self._context(request))

    def post(self, request, workspace_id):
        budgets = programs.open_budgets(access=self.access, partnerships=self.partnerships)
        form = FundRequestForm(request.POST, partnerships=self.partnerships, budgets=budgets)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["expected_leads"] = data.get("expected_leads") or 0
            try:
                created = programs.fund_request_file(
                    access=self.access, actor=request.user, partnerships=self.partnerships, data=data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request, _("Request %(code)s filed: an approver decides next.") % {"code": created.campaign_code}
                )
                return self.back("workspaces:funds")
        return render(request, self.template_name, self._context(request, form=form), status=400)


class FundActionView(FundsView):
    """Withdraw a request, or claim it with proof of performance."""

    http_method_names = ["post"]

    def post(self, request, workspace_id, pk, action):
        if action == "withdraw":
            try:
                programs.fund_request_withdraw(access=self.access, actor=request.user, pk=pk)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            return self.back("workspaces:funds")
        if action != "claim":
            raise Http404(_("No such action"))
        form = ClaimForm(request.POST, request.FILES, prefix=f"claim-{pk}")
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("proofs")
            data["leads_generated"] = data.get("leads_generated") or 0
            try:
                programs.fund_claim_file(access=self.access, actor=request.user, pk=pk, data=data, files=files)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Claim sent with its proof: an approver reviews it next."))
                return self.back("workspaces:funds")
        return render(request, self.template_name, self._context(request, claim_forms={pk: form}), status=400)


class ProofDownloadView(_ProgramMixin, View):
    def get(self, request, workspace_id, proof_id):
        proof = programs.proof_for(access=self.access, public_id=proof_id)
        if proof is None:
            raise Http404(_("No such file"))
        response = FileResponse(
            proof.file.open("rb"), as_attachment=True, filename=proof.original_name, content_type=proof.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class SolutionsView(_ProgramMixin, View):
    """Joint solutions the workspace's partnerships build: phase, steps, owners and approvals of both sides."""

    template_name = "workspaces/solutions.html"

    def _context(self, request, form=None):
        org = self.workspace.organization
        ids = workspace_partnership_ids(workspace=self.workspace)
        items = list(solutions.solution_list(org=org, partnership_ids=ids))
        side = "vendor" if self.access.is_vendor else "partner"
        for solution in items:
            solution.current = solutions.current_step(solution)
            for step in solution.steps.all():
                step.missing = solutions.step_approvals_missing(step)
                is_current = solution.current is not None and step.pk == solution.current.pk
                step.can_complete = (
                    self.access.can_edit
                    and is_current
                    and step.marked_done_at is None
                    and step.owner_side in (side, "both")
                )
                step.can_approve = self.access.can_edit and is_current and side in step.missing
        if form is None and self.access.can_edit:
            form = IdeaForm()
        return self.base_context("solutions", solutions=items, form=form, step_form=StepForm(), side=side)

    def get(self, request, workspace_id):
        return render(request, self.template_name, self._context(request))

    def post(self, request, workspace_id):
        form = IdeaForm(request.POST)
        if form.is_valid():
            try:
                programs.idea_submit(
                    access=self.access, actor=request.user, partnerships=self.partnerships, data=dict(form.cleaned_data)
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Idea sent: %(org)s vets it next.") % {"org": self.workspace.organization})
                return self.back("workspaces:solutions")
        return render(request, self.template_name, self._context(request, form=form), status=400)


class StepActionView(_ProgramMixin, View):
    def post(self, request, workspace_id, pk, action):
        form = StepForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            step = programs.step_act(access=self.access, actor=request.user, pk=pk, action=action, note=note)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request, _("“%(step)s”: %(state)s.") % {"step": step.name, "state": step.get_status_display().lower()}
            )
        return self.back("workspaces:solutions")
