from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from plans import selectors, services
from plans.api import serializers as s
from plans.filters import PlanFilter
from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate
from pom.api.base import OrgViewSet


class _ReadMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin):
    related: tuple = ()
    prefetch: tuple = ()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.prefetch:
            queryset = queryset.prefetch_related(*self.prefetch)
        return queryset


class PlanViewSet(_ReadMixin, OrgViewSet):
    """Mutual success plans. The detail includes objectives, key results, activities and computed figures."""

    model = Plan
    serializer_class = s.PlanOutputSerializer
    filterset_class = PlanFilter
    related = ("partnership__partner", "partnership__program", "owner")
    ordering_fields = ["period_start", "name", "updated_at"]
    ordering = ["-period_start", "name"]
    search_fields = ["name", "partnership__partner__name"]

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        return Response(s.PlanDetailOutputSerializer(selectors.plan_tree(org=self.org, plan=plan)).data)

    @extend_schema(request=s.PlanInputSerializer, responses=s.PlanOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.PlanInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        plan = services.plan_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.PlanOutputSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanUpdateInputSerializer, responses=s.PlanOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        data = s.PlanUpdateInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        plan = services.plan_update(org=self.org, actor=self.actor, plan=plan, data=data.validated_data)
        return Response(s.PlanOutputSerializer(plan).data)

    def destroy(self, request, *args, **kwargs):
        services.plan_delete(org=self.org, actor=self.actor, plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, *args, **kwargs):
        plan = services.plan_propose(org=self.org, actor=self.actor, plan=self.get_object())
        return Response(s.PlanOutputSerializer(plan).data)

    @extend_schema(request=s.PlanApproveInputSerializer, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        plan = self.get_object()
        data = s.PlanApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_approve(org=self.org, actor=self.actor, plan=plan, **data.validated_data)
        return Response(s.PlanOutputSerializer(plan).data)

    @extend_schema(request=None, responses=s.PlanOutputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        plan = services.plan_close(org=self.org, actor=self.actor, plan=self.get_object())
        return Response(s.PlanOutputSerializer(plan).data)

    @extend_schema(request=None, responses=None)
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        """What changed since the last validated version."""
        result = selectors.plan_diff(org=self.org, plan=self.get_object())
        if result is None:
            return Response({"version": None, "changes": []})
        return Response({"version": result["version"].number, "changes": result["changes"]})


class ObjectiveViewSet(_ReadMixin, OrgViewSet):
    model = Objective
    serializer_class = s.ObjectiveOutputSerializer
    filterset_fields = ["plan", "responsible_side", "phase"]
    ordering = ["plan", "order", "id"]

    @extend_schema(request=s.ObjectiveInputSerializer, responses=s.ObjectiveOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.ObjectiveInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        objective = services.objective_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.ObjectiveOutputSerializer(objective).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ObjectiveInputSerializer, responses=s.ObjectiveOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        objective = self.get_object()
        data = s.ObjectiveInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "plan"}
        objective = services.objective_update(org=self.org, actor=self.actor, objective=objective, data=changes)
        return Response(s.ObjectiveOutputSerializer(objective).data)

    def destroy(self, request, *args, **kwargs):
        services.objective_delete(org=self.org, actor=self.actor, objective=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class KeyResultViewSet(_ReadMixin, OrgViewSet):
    """Key results with their computed progress, grade and status. POST `/key-results/<id>/check-ins/`
    records a new value (for integrations)."""

    model = KeyResult
    serializer_class = s.KeyResultOutputSerializer
    related = ("plan", "responsible")
    filterset_fields = ["plan", "objective", "unit", "responsible_side", "update_frequency"]
    ordering = ["plan", "order", "id"]

    @extend_schema(request=s.KeyResultInputSerializer, responses=s.KeyResultOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.KeyResultInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        kr = services.key_result_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.KeyResultOutputSerializer(kr).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.KeyResultInputSerializer, responses=s.KeyResultOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        kr = self.get_object()
        data = s.KeyResultInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        kr = services.key_result_update(org=self.org, actor=self.actor, key_result=kr, data=data.validated_data)
        return Response(s.KeyResultOutputSerializer(kr).data)

    def destroy(self, request, *args, **kwargs):
        services.key_result_delete(org=self.org, actor=self.actor, key_result=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

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
        data = s.CheckInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checkin = services.checkin_create(org=self.org, actor=self.actor, key_result=kr, **data.validated_data)
        return Response(s.CheckInOutputSerializer(checkin).data, status=status.HTTP_201_CREATED)


class CheckInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    model = CheckIn
    serializer_class = s.CheckInOutputSerializer
    filterset_fields = ["plan", "key_result"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=s.CheckInCreateInputSerializer, responses=s.CheckInOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.CheckInCreateInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        checkin = services.checkin_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.CheckInOutputSerializer(checkin).data, status=status.HTTP_201_CREATED)


class ActivityViewSet(_ReadMixin, OrgViewSet):
    model = Activity
    serializer_class = s.ActivityOutputSerializer
    related = ("assignee",)
    filterset_fields = ["plan", "objective", "key_result", "status", "owner_side", "assignee", "type"]
    ordering_fields = ["due_date", "updated_at"]
    ordering = ["due_date", "id"]

    @extend_schema(request=s.ActivityInputSerializer, responses=s.ActivityOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.ActivityInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        activity = services.activity_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.ActivityOutputSerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ActivityInputSerializer, responses=s.ActivityOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()
        data = s.ActivityInputSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "plan"}
        activity = services.activity_update(org=self.org, actor=self.actor, activity=activity, data=changes)
        return Response(s.ActivityOutputSerializer(activity).data)

    def destroy(self, request, *args, **kwargs):
        services.activity_delete(org=self.org, actor=self.actor, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanTemplateViewSet(_ReadMixin, OrgViewSet):
    """The plan template library; `apply` creates plans on many partnerships at once (all or nothing)."""

    model = PlanTemplate
    serializer_class = s.TemplateOutputSerializer
    filterset_fields = ["kind", "is_default"]
    ordering = ["name"]

    @extend_schema(request=s.TemplateInputSerializer, responses=s.TemplateOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.TemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.TemplateOutputSerializer(template).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TemplateUpdateInputSerializer, responses=s.TemplateOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        template = self.get_object()
        data = s.TemplateUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        template = services.template_update(org=self.org, actor=self.actor, template=template, data=data.validated_data)
        return Response(s.TemplateOutputSerializer(template).data)

    @extend_schema(request=s.TemplateCloneInputSerializer, responses=s.TemplateOutputSerializer)
    @action(detail=True, methods=["post"])
    def clone(self, request, *args, **kwargs):
        template = self.get_object()
        data = s.TemplateCloneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.template_clone(org=self.org, actor=self.actor, template=template, **data.validated_data)
        return Response(s.TemplateOutputSerializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TemplateApplyInputSerializer, responses=s.PlanOutputSerializer(many=True))
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        template = self.get_object()
        data = s.TemplateApplyInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        plans = services.plan_create_from_template(
            org=self.org, actor=self.actor, template=template, **data.validated_data
        )
        return Response(s.PlanOutputSerializer(plans, many=True).data, status=status.HTTP_201_CREATED)


class MeetingViewSet(_ReadMixin, OrgViewSet):
    """Governance meetings; follow-ups become activities in the plan."""

    model = Meeting
    serializer_class = s.MeetingOutputSerializer
    prefetch = ("vendor_attendees", "partner_attendees", "follow_ups")
    filterset_fields = ["partnership", "plan", "kind"]
    ordering = ["-date", "-id"]

    @extend_schema(request=s.MeetingInputSerializer, responses=s.MeetingOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = s.MeetingInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(org=self.org, actor=self.actor, **data.validated_data)
        return Response(s.MeetingOutputSerializer(meeting).data, status=status.HTTP_201_CREATED)
