"""Assessments inside a shared workspace (/w/<id>/assessments/): the person's open questionnaires, answered
here without the e-mailed link, their past answers, and the SWOT both sides edit. Access is the workspace's
(`WorkspaceMixin`); the writes are `partners.assessment_services`
and `partners.assessment_answers`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from partners import assessment_answers, assessment_selectors, assessment_services
from partners.assessment_forms import SwotForm, answer_data, swot_forms
from partners.models import AssessmentResponse, Partnership
from partners.views_assessments import answer_context
from workspaces import selectors
from workspaces.views import WorkspaceMixin


def _partnerships(workspace) -> list[Partnership]:
    ids = selectors.workspace_partnership_ids(workspace=workspace)
    return list(
        Partnership.objects.for_org(workspace.organization).filter(pk__in=ids).select_related("partner", "program")
    )


class WorkspaceAssessmentsView(WorkspaceMixin, View):
    """Open questionnaires of the signed-in person, their answers, and the SWOTs of the workspace."""

    template_name = "workspaces/assessments.html"

    def render_page(self, request, status=200, swot_form=None):
        org = self.workspace.organization
        partnerships = _partnerships(self.workspace)
        ids = [p.pk for p in partnerships]
        open_invitations = assessment_answers.invitations_for_user(org=org, user=request.user, partnership_ids=ids)
        answered = list(
            AssessmentResponse.objects.for_org(org)
            .filter(partnership_id__in=ids, respondent=request.user)
            .select_related("round__campaign", "partnership__program")
            .order_by("-submitted_at")[:20]
        )
        swots = list(assessment_selectors.swot_list(org=org, partnership_ids=ids))
        context = self.base_context(
            "assessments",
            open_invitations=open_invitations,
            answered=answered,
            swots=swots,
            partnerships=partnerships,
            swot_forms=swot_forms(partnerships, swots, timezone.localdate().year),
            swot_error_form=swot_form,
        )
        return render(request, self.template_name, context, status=status)

    def get(self, request, workspace_id):
        return self.render_page(request)

    def post(self, request, workspace_id):
        """Save a SWOT: editors of either side."""
        if not self.access.can_edit:
            raise PermissionDenied(_("Only editors of this workspace edit the SWOT."))
        partnership = next(
            (p for p in _partnerships(self.workspace) if str(p.pk) == request.POST.get("partnership", "")), None
        )
        if partnership is None:
            raise Http404(_("No such partnership in this workspace"))
        form = SwotForm(request.POST, prefix=f"swot-{partnership.pk}")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                assessment_services.swot_save(
                    org=self.workspace.organization,
                    actor=request.user,
                    partnership=partnership,
                    year=data.pop("year"),
                    data=data,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("SWOT saved."))
                return redirect("workspaces:assessments", self.workspace.public_id)
        return self.render_page(request, status=400, swot_form=form)


class WorkspaceAnswerView(WorkspaceMixin, View):
    """Answer one of the signed-in person's open questionnaires inside the workspace."""

    template_name = "workspaces/assessment_answer.html"
    required_roles = {"POST": "viewer"}  # answering for yourself is not editing the workspace

    def invitation(self, request, pk):
        org = self.workspace.organization
        ids = selectors.workspace_partnership_ids(workspace=self.workspace)
        invitation = next(
            (
                i
                for i in assessment_answers.invitations_for_user(org=org, user=request.user, partnership_ids=ids)
                if i.pk == pk
            ),
            None,
        )
        if invitation is None:
            raise Http404(_("No open questionnaire of yours here"))
        return invitation

    def get(self, request, workspace_id, pk):
        invitation = self.invitation(request, pk)
        return render(
            request, self.template_name, self.base_context("assessments", **answer_context(invitation=invitation))
        )

    def post(self, request, workspace_id, pk):
        invitation = self.invitation(request, pk)
        data = answer_data(request.POST, invitation.round)
        try:
            assessment_answers.response_submit(invitation=invitation, actor=request.user, data=data)
        except ValidationError as exc:
            context = self.base_context(
                "assessments", **answer_context(invitation=invitation, data=data, errors=exc.message_dict)
            )
            return render(request, self.template_name, context, status=400)
        messages.success(request, _("Thank you, your answers are in."))
        return redirect("workspaces:assessments", self.workspace.public_id)
