"""API of incentives: commission rules, accruals and statements (generate, approve, pay, export)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from attribution import incentives
from attribution.models import (
    Accrual,
    CommissionRule,
    Statement,
)
from partners.models import Program, Tier
from pom.api.base import OrgScopedPK, OrgViewSet, ServiceViewSet
from pom.api.serializers import JobOutputSerializer


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


class CommissionRuleViewSet(ServiceViewSet):
    """Commission rules per program (and tier): percent, fixed fee per converted lead, threshold."""

    model = CommissionRule
    input_serializer_class = CommissionRuleInputSerializer
    output_serializer_class = CommissionRuleOutputSerializer
    allow_put = False
    filterset_fields = ["program", "tier", "kind", "is_active"]
    ordering = ["program", "name"]

    def create_object(self, data):
        return incentives.commission_rule_create(org=self.org, actor=self.actor, program=data.pop("program"), data=data)

    def update_object(self, rule, data):
        data = {k: v for k, v in data.items() if k != "program"}
        return incentives.commission_rule_update(org=self.org, actor=self.actor, rule=rule, data=data)

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
    status = serializers.ChoiceField(choices=[("", _("all")), *Statement.Status.choices], default="", required=False)


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
        checked = self.validated(PeriodInputSerializer)
        return _job_response(self, incentives.statements_generate_request(org=self.org, actor=self.actor, **checked))

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
        statement = self.get_object()  # 404 for another tenant's id before the body is read
        checked = self.validated(PayInputSerializer)
        statement = incentives.statement_pay(org=self.org, actor=self.actor, statement=statement, **checked)
        return Response(StatementOutputSerializer(statement).data)

    @extend_schema(request=ExportInputSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def export(self, request, org_slug):
        """Export the statements' lines as CSV or XLSX (formula cells neutralised), as a job with a file."""
        checked = self.validated(ExportInputSerializer)
        return _job_response(
            self,
            incentives.statements_export_request(
                org=self.org,
                actor=self.actor,
                fmt=checked["format"],
                status=checked.get("status", ""),
            ),
        )
