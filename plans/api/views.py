from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from plans import checkin_services, meeting_services, selectors, services, template_services
from plans.api import serializers as s
from plans.filters import PlanFilter
from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate
from pom.api.base import ServiceViewSet


class _PlansViewSet(ServiceViewSet):
    """Plans' API declares related rows to load with each read; updates are PATCH only."""

    related: tuple = ()
    prefetch: tuple = ()
    allow_put = False

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return queryset


class PlanViewSet(_PlansViewSet):
    """Mutual success plans. The detail includes objectives, key results, activities and computed figures."""

    model = Plan
    input_serializer_class = s.PlanInputSerializer
    update_serializer_class = s.PlanUpdateInputSerializer
    output_serializer_class = s.PlanOutputSerializer
    filterset_class = PlanFilter
    related = ("partnership__partner", "partnership__program", "owner")
    ordering_fields = ["period_start", "name", "updated_at"]
    ordering = ["-period_start", "name"]
    search_fields = ["name", "partnership__partner__name"]

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        return Response(s.PlanDetailOutputSerializer(selectors.plan_tree(org=self.org, plan=plan)).data)

    def create_object(self, data):
        return services.plan_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        return services.plan_update(org=self.org, actor=self.actor, plan=obj, data=data)

    def delete_object(self, obj):
        services.plan_delete(org=self.org, actor=self.actor, plan=obj)

    @extend_schema(request=None, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, *args, **kwargs):
        return self.answer(services.plan_propose(org=self.org, actor=self.actor, plan=self.get_object()))

    @extend_schema(request=s.PlanApproveInputSerializer, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        plan = self.get_object()
        data = self.validated(s.PlanApproveInputSerializer)
        return self.answer(services.plan_approve(org=self.org, actor=self.actor, plan=plan, **data))

    @extend_schema(request=None, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        return self.answer(services.plan_close(org=self.org, actor=self.actor, plan=self.get_object()))

    @extend_schema(request=None, responses=None)
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        """What changed since the last validated version."""
        result = selectors.plan_diff(org=self.org, plan=self.get_object())
        if result is None:
            return Response({"version": None, "changes": []})
        return Response({"version": result["version"].number, "changes": result["changes"]})


class ObjectiveViewSet(_PlansViewSet):
    model = Objective
    input_serializer_class = s.ObjectiveInputSerializer
    output_serializer_class = s.ObjectiveOutputSerializer
    filterset_fields = ["plan", "responsible_side", "phase"]
    ordering = ["plan", "order", "id"]

    def create_object(self, data):
        return services.objective_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        changes = {k: v for k, v in data.items() if k != "plan"}
        return services.objective_update(org=self.org, actor=self.actor, objective=obj, data=changes)

    def delete_object(self, obj):
        services.objective_delete(org=self.org, actor=self.actor, objective=obj)


class KeyResultViewSet(_PlansViewSet):
    """Key results with their computed progress, grade and status. POST `/key-results/<id>/check-ins/`
    records a new value (for integrations)."""

    model = KeyResult
    input_serializer_class = s.KeyResultInputSerializer
    output_serializer_class = s.KeyResultOutputSerializer
    related = ("plan", "responsible")
    filterset_fields = ["plan", "objective", "unit", "responsible_side", "update_frequency"]
    ordering = ["plan", "order", "id"]

    def create_object(self, data):
        return services.key_result_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        return services.key_result_update(org=self.org, actor=self.actor, key_result=obj, data=data)

    def delete_object(self, obj):
        services.key_result_delete(org=self.org, actor=self.actor, key_result=obj)

    @extend_schema(methods=["GET"], responses=s.CheckInOutputSerializer(many=True))
    @extend_schema(methods=["POST"], request=s.CheckInInputSerializer, responses=s.CheckInOutputSerializer)
    @action(detail=True, methods=["get", "post"], url_path="check-ins", url_name="checkins")
    def checkins(self, request, *args, **kwargs):
        kr = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(
                CheckIn.objects.for_org(self.org).filter(key_result=kr).order_by("-created_at")
            )
            return self.get_paginated_response(s.CheckInOutputSerializer(page, many=True).data)
        data = self.validated(s.CheckInInputSerializer)
        checkin = checkin_services.checkin_create(org=self.org, actor=self.actor, key_result=kr, **data)
        return Response(s.CheckInOutputSerializer(checkin).data, status=status.HTTP_201_CREATED)


class CheckInViewSet(ServiceViewSet):
    model = CheckIn
    input_serializer_class = s.CheckInCreateInputSerializer
    output_serializer_class = s.CheckInOutputSerializer
    filterset_fields = ["plan", "key_result"]
    ordering = ["-created_at", "-id"]

    def create_object(self, data):
        return checkin_services.checkin_create(org=self.org, actor=self.actor, **data)


class ActivityViewSet(_PlansViewSet):
    model = Activity
    input_serializer_class = s.ActivityInputSerializer
    output_serializer_class = s.ActivityOutputSerializer
    related = ("assignee",)
    filterset_fields = ["plan", "objective", "key_result", "status", "owner_side", "assignee", "type"]
    ordering_fields = ["due_date", "updated_at"]
    ordering = ["due_date", "id"]

    def create_object(self, data):
        return services.activity_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        changes = {k: v for k, v in data.items() if k != "plan"}
        return services.activity_update(org=self.org, actor=self.actor, activity=obj, data=changes)

    def delete_object(self, obj):
        services.activity_delete(org=self.org, actor=self.actor, activity=obj)


class PlanTemplateViewSet(_PlansViewSet):
    """The plan template library; `apply` creates plans on many partnerships at once (all or nothing)."""

    model = PlanTemplate
    input_serializer_class = s.TemplateInputSerializer
    update_serializer_class = s.TemplateUpdateInputSerializer
    output_serializer_class = s.TemplateOutputSerializer
    filterset_fields = ["kind", "is_default"]
    ordering = ["name"]

    def create_object(self, data):
        return template_services.template_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        return template_services.template_update(org=self.org, actor=self.actor, template=obj, data=data)

    @extend_schema(request=s.TemplateCloneInputSerializer, responses={201: s.TemplateOutputSerializer})
    @action(detail=True, methods=["post"])
    def clone(self, request, *args, **kwargs):
        template = self.get_object()
        data = self.validated(s.TemplateCloneInputSerializer)
        copy = template_services.template_clone(org=self.org, actor=self.actor, template=template, **data)
        return self.answer(copy, status.HTTP_201_CREATED)

    @extend_schema(request=s.TemplateApplyInputSerializer, responses={201: s.PlanOutputSerializer(many=True)})
    @action(detail=True, methods=["post"], pagination_class=None)
    def apply(self, request, *args, **kwargs):
        template = self.get_object()
        data = self.validated(s.TemplateApplyInputSerializer)
        plans = template_services.plan_create_from_template(org=self.org, actor=self.actor, template=template, **data)
        return Response(s.PlanOutputSerializer(plans, many=True).data, status=status.HTTP_201_CREATED)


class MeetingViewSet(_PlansViewSet):
    """Governance meetings; follow-ups become activities in the plan."""

    model = Meeting
    input_serializer_class = s.MeetingInputSerializer
    output_serializer_class = s.MeetingOutputSerializer
    prefetch = ("vendor_attendees", "partner_attendees", "follow_ups")
    filterset_fields = ["partnership", "plan", "kind"]
    ordering = ["-date", "-id"]

    def create_object(self, data):
        return meeting_services.meeting_create(org=self.org, actor=self.actor, **data)
