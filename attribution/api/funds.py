"""API of market development funds: budgets (with the report), requests and claims.

Claims with proof-of-performance files are filed by partner people in their workspace (the files go
through the workspace's upload checks); the vendor API reads claims and records decisions, payments and
compliance checks.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from attribution import mdf, mdf_report, mdf_selectors
from attribution.models import (
    MdfBudget,
    MdfClaim,
    MdfRequest,
)
from partners.models import Partnership, Program
from pom.api.base import OrgScopedPK, OrgViewSet, ServiceViewSet

# Market development funds ------------------------------------------------------------------------


class MdfBudgetOutputSerializer(serializers.ModelSerializer):
    remaining = serializers.SerializerMethodField()

    class Meta:
        model = MdfBudget
        fields = [
            "id",
            "program",
            "name",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "allocation",
            "allocations",
            "approvers",
            "remaining",
        ]

    def get_remaining(self, budget) -> str:
        """What is left to request of the whole budget (allocations per partnership aside)."""
        held = getattr(budget, "held_total", None)
        if held is None:
            return str(mdf_selectors.budget_remaining(org=self.context["org"], budget=budget))
        return str(budget.amount - held)


class MdfBudgetInputSerializer(serializers.Serializer):
    program = OrgScopedPK(queryset=Program.objects.all())
    name = serializers.CharField(max_length=120)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField(max_length=3, required=False)
    allocation = serializers.ChoiceField(choices=MdfBudget.Allocation.choices, default=MdfBudget.Allocation.FIRST_COME)
    allocations = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2), required=False)
    approvers = serializers.ListField(child=serializers.IntegerField(), required=False)


class MdfBudgetViewSet(ServiceViewSet):
    """Budgets per program and period. Detail pages cost one aggregate each for `remaining`."""

    model = MdfBudget
    input_serializer_class = MdfBudgetInputSerializer
    output_serializer_class = MdfBudgetOutputSerializer
    allow_put = False
    filterset_fields = ["program", "allocation", "currency"]
    ordering = ["-period_start", "name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(mdf_selectors.with_held_totals(org=self.org, budgets=queryset))

    def create_object(self, data):
        return mdf.mdf_budget_create(org=self.org, actor=self.actor, program=data.pop("program"), data=data)

    def update_object(self, budget, data):
        data = {k: v for k, v in data.items() if k != "program"}
        return mdf.mdf_budget_update(org=self.org, actor=self.actor, budget=budget, data=data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def report(self, request, org_slug):
        """Utilisation and unused share per program (with the 40 % reference) and campaign results."""
        report = mdf_report.mdf_report(org=self.org)
        return Response(_plain(report))


def _plain(value):
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Decimal) else value


class MdfClaimOutputSerializer(serializers.ModelSerializer):
    proofs = serializers.SerializerMethodField()

    class Meta:
        model = MdfClaim
        fields = [
            "id",
            "request",
            "amount_claimed",
            "leads_generated",
            "results",
            "status",
            "amount_approved",
            "reimbursed_amount",
            "reimbursed_on",
            "payment_reference",
            "compliance",
            "compliance_note",
            "decision_comment",
            "proofs",
            "created_at",
        ]

    def get_proofs(self, claim) -> list[str]:
        """Names of the proof-of-performance files."""
        return [p.original_name for p in claim.proofs.all()]


class MdfRequestOutputSerializer(serializers.ModelSerializer):
    next_step = serializers.SerializerMethodField()

    class Meta:
        model = MdfRequest
        fields = [
            "id",
            "budget",
            "partnership",
            "activity",
            "description",
            "start_date",
            "end_date",
            "amount_requested",
            "expected_outcome",
            "expected_leads",
            "campaign_code",
            "status",
            "amount_approved",
            "decided_by",
            "decided_at",
            "decision_comment",
            "next_step",
            "created_at",
        ]

    def get_next_step(self, request) -> dict:
        """What happens next and which side ("vendor" or "partner") is accountable."""
        text, side = mdf_selectors.next_step(request)
        return {"text": text, "side": side}


class MdfRequestInputSerializer(serializers.Serializer):
    budget = OrgScopedPK(queryset=MdfBudget.objects.all())
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    activity = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    amount_requested = serializers.DecimalField(max_digits=14, decimal_places=2)
    expected_outcome = serializers.CharField(required=False, allow_blank=True, default="")
    expected_leads = serializers.IntegerField(min_value=0, default=0)
    campaign_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    amount_approved = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MdfRequestViewSet(ServiceViewSet):
    """Fund requests. `POST` files one for a partnership (never over what is left of the budget, even under
    concurrent requests); `decide` approves (the amount asked or less) or rejects with a comment."""

    model = MdfRequest
    input_serializer_class = MdfRequestInputSerializer
    output_serializer_class = MdfRequestOutputSerializer
    filterset_fields = ["budget", "partnership", "status", "campaign_code"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("claim"))

    def create_object(self, data):
        return mdf.mdf_request_submit(org=self.org, actor=self.actor, **data)

    @extend_schema(request=DecisionInputSerializer, responses=MdfRequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, org_slug, pk):
        """Approve or reject a submitted request (the budget's approvers, people only)."""
        item = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(DecisionInputSerializer)
        item = mdf.mdf_request_decide(
            org=self.org,
            actor=self.actor,
            request=item,
            approve=data["approve"],
            amount_approved=data.get("amount_approved"),
            comment=data["comment"],
        )
        return Response(MdfRequestOutputSerializer(item).data)


class ReimburseInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_reference = serializers.CharField(max_length=120, allow_blank=True)
    reimbursed_on = serializers.DateField(required=False)


class ComplianceInputSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MdfClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Claims for reimbursement (filed with proof in the workspace): `decide`, `reimburse`, `compliance`."""

    model = MdfClaim
    serializer_class = MdfClaimOutputSerializer
    filterset_fields = ["request", "status", "compliance"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.prefetch_related("proofs"))

    @extend_schema(request=DecisionInputSerializer, responses=MdfClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, org_slug, pk):
        claim = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(DecisionInputSerializer)
        claim = mdf.mdf_claim_decide(
            org=self.org,
            actor=self.actor,
            claim=claim,
            approve=data["approve"],
            amount_approved=data.get("amount_approved"),
            comment=data["comment"],
        )
        return Response(MdfClaimOutputSerializer(claim).data)

    @extend_schema(request=ReimburseInputSerializer, responses=MdfClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def reimburse(self, request, org_slug, pk):
        claim = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(ReimburseInputSerializer)
        claim = mdf.mdf_reimburse(org=self.org, actor=self.actor, claim=claim, **checked)
        return Response(MdfClaimOutputSerializer(claim).data)

    @extend_schema(request=ComplianceInputSerializer, responses=MdfClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def compliance(self, request, org_slug, pk):
        claim = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(ComplianceInputSerializer)
        claim = mdf.mdf_compliance_check(org=self.org, actor=self.actor, claim=claim, **checked)
        return Response(MdfClaimOutputSerializer(claim).data)
