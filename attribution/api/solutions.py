"""API of joint solutions: ideas, vetting, the split in the rule library, the vendor side's steps."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from attribution import solutions
from attribution.models import (
    JointSolution,
    SolutionPartner,
    SolutionStep,
)
from partners.models import Partnership
from pom.api.base import OrgScopedPK, ServiceViewSet
from pom.models import Role

# Joint solutions --------------------------------------------------------------------------------


class SolutionPartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = SolutionPartner
        fields = ["partnership", "role", "share_percent"]


class SolutionStepOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SolutionStep
        fields = [
            "id",
            "solution",
            "order",
            "name",
            "phase",
            "owner_side",
            "owner",
            "due_on",
            "status",
            "vendor_approval",
            "partner_approval",
            "vendor_approved_by",
            "vendor_approved_at",
            "partner_approved_by",
            "partner_approved_at",
            "marked_done_at",
            "completed_at",
            "note",
        ]


class JointSolutionOutputSerializer(serializers.ModelSerializer):
    partners = SolutionPartnerSerializer(source="partner_links", many=True, read_only=True)
    steps = SolutionStepOutputSerializer(many=True, read_only=True)

    class Meta:
        model = JointSolution
        fields = [
            "id",
            "title",
            "problem",
            "target_customers",
            "source",
            "status",
            "template",
            "certification",
            "badge",
            "marketplace_url",
            "listed_on",
            "vetting_note",
            "split_rule",
            "owner",
            "partners",
            "steps",
            "created_at",
        ]


class SolutionIdeaInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    problem = serializers.CharField()
    target_customers = serializers.CharField(required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=JointSolution.Source.choices, default=JointSolution.Source.FIELD)
    partnerships = OrgScopedPK(queryset=Partnership.objects.all(), many=True, required=False)


class VetInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShareInputSerializer(serializers.Serializer):
    partnership_id = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    role = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)


class SplitInputSerializer(serializers.Serializer):
    shares = ShareInputSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StepActionInputSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class JointSolutionViewSet(ServiceViewSet):
    """Joint solutions with partners, split and steps. Actions: `vet`, `split` (a split rule of the
    library), `complete-step` and `approve-step` (for the vendor side; partners act in their workspace)."""

    model = JointSolution
    input_serializer_class = SolutionIdeaInputSerializer
    output_serializer_class = JointSolutionOutputSerializer
    filterset_fields = ["status", "source", "certification"]
    search_fields = ["title"]
    ordering = ["title"]
    required_roles = {"POST": Role.MANAGER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.prefetch_related("partner_links", "steps"))

    def create_object(self, data):
        return solutions.solution_idea_submit(org=self.org, actor=self.actor, **data)

    @extend_schema(request=VetInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"])
    def vet(self, request, org_slug, pk):
        solution = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(VetInputSerializer)
        return self.answer(solutions.solution_vet(org=self.org, actor=self.actor, solution=solution, **checked))

    @extend_schema(request=SplitInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request, org_slug, pk):
        solution = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(SplitInputSerializer)
        return self.answer(solutions.solution_split_set(org=self.org, actor=self.actor, solution=solution, **checked))

    def _step(self, solution, step_id):
        step = SolutionStep.objects.for_org(self.org).filter(solution=solution, pk=step_id).first()
        if step is None:
            raise Http404(_("No such step"))
        return step

    @extend_schema(request=StepActionInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request, org_slug, pk):
        solution = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(StepActionInputSerializer)
        solutions.solution_step_complete(
            org=self.org,
            actor=self.actor,
            side="vendor",
            step=self._step(solution, checked["step"]),
            note=checked["note"],
        )
        return self.answer(solution)

    @extend_schema(request=StepActionInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"], url_path="approve-step")
    def approve_step(self, request, org_slug, pk):
        solution = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(StepActionInputSerializer)
        solutions.solution_step_approve(
            org=self.org,
            actor=self.actor,
            side="vendor",
            step=self._step(solution, checked["step"]),
            note=checked["note"],
        )
        return self.answer(solution)
