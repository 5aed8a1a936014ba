"""API of incentives, market development funds and joint solutions: reads scoped, writes through services.

Claims with proof-of-performance files are filed by partner people in their workspace (the files go
through the workspace's upload checks); the vendor API reads claims and records decisions, payments and
compliance checks.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from attribution import incentives, mdf, solutions
from attribution.models import (
    Accrual,
    CommissionRule,
    JointSolution,
    MdfBudget,
    MdfClaim,
    MdfRequest,
    SolutionPartner,
    SolutionStep,
    Statement,
)
from partners.models import Partnership, Program, Tier
from pom.api.base import OrgScopedPK, OrgViewSet
from pom.api.serializers import JobOutputSerializer
from pom.models import Role


def _job_response(view, job):
    return Response(
        JobOutputSerializer(job, context=view.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED
    )


# Incentives -------------------------------------------------------------------------------------


class CommissionRuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionRule
        fields = [
            "id",
            "program",
            "tier",
            "name",
            "kind",
            "basis",
            "scope",
            "rate",
            "threshold",
            "rate_above",
            "fee_currency",
            "requires_involvement",
            "recurring_periods",
            "is_active",
        ]


class CommissionRuleInputSerializer(serializers.Serializer):
    program = OrgScopedPK(queryset=Program.objects.all())
    tier = OrgScopedPK(queryset=Tier.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=CommissionRule.Kind.choices)
    basis = serializers.ChoiceField(choices=CommissionRule.Basis.choices, default=CommissionRule.Basis.CREDIT)
    scope = serializers.ChoiceField(choices=CommissionRule.Scope.choices, default=CommissionRule.Scope.ALL)
    rate = serializers.DecimalField(max_digits=7, decimal_places=2)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    rate_above = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    fee_currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    requires_involvement = serializers.BooleanField(default=True)
    recurring_periods = serializers.IntegerField(min_value=1, max_value=10, default=1)
    is_active = serializers.BooleanField(default=True)


class CommissionRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Commission rules per program (and tier): percent, fixed fee per converted lead, threshold."""

    model = CommissionRule
    serializer_class = CommissionRuleOutputSerializer
    filterset_fields = ["program", "tier", "kind", "is_active"]
    ordering = ["program", "name"]

    @extend_schema(request=CommissionRuleInputSerializer, responses={201: CommissionRuleOutputSerializer})
    def create(self, request, org_slug):
        serializer = CommissionRuleInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rule = incentives.commission_rule_create(org=self.org, actor=self.actor, program=data.pop("program"), data=data)
        return Response(CommissionRuleOutputSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommissionRuleInputSerializer, responses=CommissionRuleOutputSerializer)
    def partial_update(self, request, org_slug, pk):
        rule = self.get_object()
        serializer = CommissionRuleInputSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        rule = incentives.commission_rule_update(org=self.org, actor=self.actor, rule=rule, data=data)
        return Response(CommissionRuleOutputSerializer(rule).data)

    @extend_schema(request=None, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def compute(self, request, org_slug):
        """Recompute every accrual now, as a background job."""
        return _job_response(self, incentives.commission_accruals_request(org=self.org, actor=self.actor))


class AccrualOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Accrual
        fields = [
            "id",
            "partnership",
            "opportunity",
            "rule",
            "kind",
            "sequence",
            "revision",
            "period",
            "basis_amount",
            "amount",
            "currency",
            "explanation",
            "statement",
        ]


class AccrualViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """What each rule owes each partnership per won deal, line by line (negative lines are clawbacks)."""

    model = Accrual
    serializer_class = AccrualOutputSerializer
    filterset_fields = ["partnership", "opportunity", "rule", "statement", "kind", "currency", "period"]
    ordering = ["period", "id"]


class StatementOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Statement
        fields = [
            "id",
            "partnership",
            "period_start",
            "period_end",
            "currency",
            "status",
            "total",
            "expected_pay_on",
            "approved_by",
            "approved_at",
            "paid_on",
            "payment_reference",
        ]


class PeriodInputSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class PayInputSerializer(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=120, allow_blank=True)
    paid_on = serializers.DateField(required=False)


class ExportInputSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")
    status = serializers.ChoiceField(choices=[("", "all"), *Statement.Status.choices], default="", required=False)


class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Commission statements: `generate` a period (job), `approve`, `pay` with a reference, `export` (job)."""

    model = Statement
    serializer_class = StatementOutputSerializer
    filterset_fields = ["partnership", "status", "currency"]
    ordering = ["-period_end", "id"]

    @extend_schema(request=PeriodInputSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request, org_slug):
        """Group a period's accruals into draft statements; a closed period is refused with a 400."""
        serializer = PeriodInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _job_response(
            self, incentives.statements_generate_request(org=self.org, actor=self.actor, **serializer.validated_data)
        )

    @extend_schema(request=None, responses=StatementOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, org_slug, pk):
        """Approve a draft statement (a person, not a key): its lines are frozen from then on."""
        statement = incentives.statement_approve(org=self.org, actor=self.actor, statement=self.get_object())
        return Response(StatementOutputSerializer(statement).data)

    @extend_schema(request=PayInputSerializer, responses=StatementOutputSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, org_slug, pk):
        """Mark an approved statement paid with finance's payment reference."""
        serializer = PayInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        statement = incentives.statement_pay(
            org=self.org, actor=self.actor, statement=self.get_object(), **serializer.validated_data
        )
        return Response(StatementOutputSerializer(statement).data)

    @extend_schema(request=ExportInputSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def export(self, request, org_slug):
        """Export the statements' lines as CSV or XLSX (formula cells neutralised), as a job with a file."""
        serializer = ExportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _job_response(
            self,
            incentives.statements_export_request(
                org=self.org,
                actor=self.actor,
                fmt=serializer.validated_data["format"],
                status=serializer.validated_data.get("status", ""),
            ),
        )


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
            return str(mdf.budget_remaining(org=self.context["org"], budget=budget))
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


class MdfBudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Budgets per program and period. Detail pages cost one aggregate each for `remaining`."""

    model = MdfBudget
    serializer_class = MdfBudgetOutputSerializer
    filterset_fields = ["program", "allocation", "currency"]
    ordering = ["-period_start", "name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(mdf.with_held_totals(org=self.org, budgets=queryset))

    @extend_schema(request=MdfBudgetInputSerializer, responses={201: MdfBudgetOutputSerializer})
    def create(self, request, org_slug):
        serializer = MdfBudgetInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        budget = mdf.mdf_budget_create(org=self.org, actor=self.actor, program=data.pop("program"), data=data)
        return Response(
            MdfBudgetOutputSerializer(budget, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=MdfBudgetInputSerializer, responses=MdfBudgetOutputSerializer)
    def partial_update(self, request, org_slug, pk):
        budget = self.get_object()
        serializer = MdfBudgetInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "program"}
        budget = mdf.mdf_budget_update(org=self.org, actor=self.actor, budget=budget, data=data)
        return Response(MdfBudgetOutputSerializer(budget, context=self.get_serializer_context()).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def report(self, request, org_slug):
        """Utilisation and unused share per program (with the 40 % reference) and campaign results."""
        report = mdf.mdf_report(org=self.org)
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
        text, side = mdf.next_step(request)
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


class MdfRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Fund requests. `POST` files one for a partnership (never over what is left of the budget, even under
    concurrent requests); `decide` approves (the amount asked or less) or rejects with a comment."""

    model = MdfRequest
    serializer_class = MdfRequestOutputSerializer
    filterset_fields = ["budget", "partnership", "status", "campaign_code"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("claim"))

    @extend_schema(request=MdfRequestInputSerializer, responses={201: MdfRequestOutputSerializer})
    def create(self, request, org_slug):
        serializer = MdfRequestInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = mdf.mdf_request_submit(org=self.org, actor=self.actor, **serializer.validated_data)
        return Response(MdfRequestOutputSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInputSerializer, responses=MdfRequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, org_slug, pk):
        """Approve or reject a submitted request (the budget's approvers, people only)."""
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = mdf.mdf_request_decide(
            org=self.org,
            actor=self.actor,
            request=self.get_object(),
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
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        claim = mdf.mdf_claim_decide(
            org=self.org,
            actor=self.actor,
            claim=self.get_object(),
            approve=data["approve"],
            amount_approved=data.get("amount_approved"),
            comment=data["comment"],
        )
        return Response(MdfClaimOutputSerializer(claim).data)

    @extend_schema(request=ReimburseInputSerializer, responses=MdfClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def reimburse(self, request, org_slug, pk):
        serializer = ReimburseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = mdf.mdf_reimburse(org=self.org, actor=self.actor, claim=self.get_object(), **serializer.validated_data)
        return Response(MdfClaimOutputSerializer(claim).data)

    @extend_schema(request=ComplianceInputSerializer, responses=MdfClaimOutputSerializer)
    @action(detail=True, methods=["post"])
    def compliance(self, request, org_slug, pk):
        serializer = ComplianceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = mdf.mdf_compliance_check(
            org=self.org, actor=self.actor, claim=self.get_object(), **serializer.validated_data
        )
        return Response(MdfClaimOutputSerializer(claim).data)


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


class JointSolutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Joint solutions with partners, split and steps. Actions: `vet`, `split` (a split rule of the
    library), `complete-step` and `approve-step` (for the vendor side; partners act in their workspace)."""

    model = JointSolution
    serializer_class = JointSolutionOutputSerializer
    filterset_fields = ["status", "source", "certification"]
    search_fields = ["title"]
    ordering = ["title"]
    required_roles = {"POST": Role.MANAGER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.prefetch_related("partner_links", "steps"))

    def _out(self, solution):
        solution = solutions.solution_list(org=self.org).get(pk=solution.pk)
        return Response(JointSolutionOutputSerializer(solution).data)

    @extend_schema(request=SolutionIdeaInputSerializer, responses={201: JointSolutionOutputSerializer})
    def create(self, request, org_slug):
        serializer = SolutionIdeaInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        solution = solutions.solution_idea_submit(org=self.org, actor=self.actor, **serializer.validated_data)
        response = self._out(solution)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=VetInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"])
    def vet(self, request, org_slug, pk):
        serializer = VetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._out(
            solutions.solution_vet(
                org=self.org, actor=self.actor, solution=self.get_object(), **serializer.validated_data
            )
        )

    @extend_schema(request=SplitInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request, org_slug, pk):
        serializer = SplitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._out(
            solutions.solution_split_set(
                org=self.org, actor=self.actor, solution=self.get_object(), **serializer.validated_data
            )
        )

    def _step(self, solution, step_id):
        step = SolutionStep.objects.for_org(self.org).filter(solution=solution, pk=step_id).first()
        if step is None:
            raise Http404("No such step")
        return step

    @extend_schema(request=StepActionInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request, org_slug, pk):
        serializer = StepActionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        solution = self.get_object()
        solutions.solution_step_complete(
            org=self.org,
            actor=self.actor,
            side="vendor",
            step=self._step(solution, serializer.validated_data["step"]),
            note=serializer.validated_data["note"],
        )
        return self._out(solution)

    @extend_schema(request=StepActionInputSerializer, responses=JointSolutionOutputSerializer)
    @action(detail=True, methods=["post"], url_path="approve-step")
    def approve_step(self, request, org_slug, pk):
        serializer = StepActionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        solution = self.get_object()
        solutions.solution_step_approve(
            org=self.org,
            actor=self.actor,
            side="vendor",
            step=self._step(solution, serializer.validated_data["step"]),
            note=serializer.validated_data["note"],
        )
        return self._out(solution)
