"""Vendor pages for points and tier reviews under /o/<org>/partners/points/ and /o/<org>/partners/tier-moves/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from partners import points, tiers
from partners.forms import ManualPointsForm, PointRuleForm, TierApplyForm
from partners.models import Partnership, PointEntry, Program, TierMove
from partners.views import PartnersView
from pom import jobs, picker
from pom.pages import add_errors, error_text
from pom.web import paginate, query_without_page


class PointsView(PartnersView):
    """Point rules per program, manual awards waiting for a second person, and the whole ledger."""

    template_name = "partners/points.html"

    def partnerships(self):
        return Partnership.objects.for_org(self.org).select_related("partner", "program")

    def render_page(self, request, rule_form=None, manual_form=None, status=200):
        programs = list(Program.objects.for_org(self.org).order_by("name"))
        status_filter = request.GET.get("status", "")
        query, picker_error = picker.resolve_query(request.GET, org=self.org, field="partnership", kind="partnerships")
        partnership_id = query.get("partnership", "")
        entries = points.point_entry_list(org=self.org, status=status_filter or None)
        if partnership_id.isdigit():
            entries = entries.filter(partnership_id=int(partnership_id))
        page = paginate(request, entries, per_page=50)
        pending = list(points.point_entry_list(org=self.org, status=PointEntry.Status.PENDING)[:50])
        context = self.ctx(
            section="points",
            page=page,
            query=query_without_page(request),
            pending=pending,
            rules=points.point_rule_list(org=self.org).order_by("program__name", "activity", "name"),
            rule_form=rule_form or PointRuleForm(programs=programs),
            manual_form=manual_form or ManualPointsForm(org=self.org, partnerships=self.partnerships()),
            statuses=PointEntry.Status.choices,
            picker_error=picker_error,
            status_filter=status_filter,
            partnership_filter=partnership_id,
            how=" ".join(points.points_for_rule.__doc__.split()),
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, org_slug):
        return self.render_page(request)

    def post(self, request, org_slug):
        if request.POST.get("form") == "rule":
            form = PointRuleForm(request.POST, programs=Program.objects.for_org(self.org))
            if form.is_valid():
                data = dict(form.cleaned_data)
                program = Program.objects.for_org(self.org).get(pk=data.pop("program"))
                try:
                    points.point_rule_create(org=self.org, actor=request.user, program=program, **data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, _("Rule added."))
                    return redirect("partners:points", self.org.slug)
            return self.render_page(request, rule_form=form, status=400)
        form = ManualPointsForm(request.POST, org=self.org, partnerships=self.partnerships())
        if form.is_valid():
            data = dict(form.cleaned_data)
            partnership = self.partnerships().get(pk=data.pop("partnership"))
            try:
                points.point_manual_request(org=self.org, actor=request.user, partnership=partnership, **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Sent for approval: another manager approves it."))
                return redirect("partners:points", self.org.slug)
        return self.render_page(request, manual_form=form, status=400)


class PointDecideView(PartnersView):
    def post(self, request, org_slug, pk, decision):
        if decision not in ("approve", "reject"):
            raise Http404(_("No such decision"))
        entry = points.point_entry_list(org=self.org).filter(pk=pk).first()
        if entry is None:
            raise Http404(_("No such line"))
        try:
            points.point_manual_decide(
                org=self.org,
                actor=request.user,
                entry=entry,
                approve=decision == "approve",
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Decision recorded."))
        return redirect("partners:points", self.org.slug)


class TierMovesView(PartnersView):
    """Proposals of the tier review with their reasons; apply, dismiss, or run the review now."""

    template_name = "partners/tier_moves.html"

    def get(self, request, org_slug):
        status = request.GET.get("status", TierMove.Status.PROPOSED)
        page = paginate(request, tiers.tier_move_list(org=self.org, status=status or None), per_page=25)
        context = self.ctx(
            section="tiers",
            page=page,
            query=query_without_page(request),
            status_filter=status,
            statuses=TierMove.Status.choices,
            job=jobs.job_latest(org=self.org, kind="partners.tier_evaluation"),
            apply_form=TierApplyForm(),
            how=tiers.how_computed(),
        )
        return render(request, self.template_name, context)

    def post(self, request, org_slug):
        tiers.tier_evaluation_request(org=self.org, actor=request.user)
        messages.success(request, _("Tier review requested: proposals appear here when it finishes."))
        return redirect("partners:tier_moves", self.org.slug)


class TierMoveActionView(PartnersView):
    def post(self, request, org_slug, pk, action):
        move = tiers.tier_move_list(org=self.org).filter(pk=pk).first()
        if move is None or action not in ("apply", "dismiss"):
            raise Http404(_("No such proposal"))
        form = TierApplyForm(request.POST)
        form.is_valid()
        try:
            if action == "apply":
                tiers.tier_move_apply(
                    org=self.org, actor=request.user, move=move, effective_on=form.cleaned_data.get("effective_on")
                )
            else:
                tiers.tier_move_dismiss(
                    org=self.org, actor=request.user, move=move, note=form.cleaned_data.get("note", "")
                )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Done: %(partner)s.") % {"partner": move.partnership.partner.name})
        return redirect("partners:tier_moves", self.org.slug)
