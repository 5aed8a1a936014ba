from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from partners.models import Contact, Partnership
from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate, Side
from plans.selectors import annotate_key_result
from pom.api.base import OrgScopedPK
from pom.models import User
from pom.selectors import member_users


class MemberPK(serializers.PrimaryKeyRelatedField):
    """A user of the request's organization (owners, attendees)."""

    def get_queryset(self):
        return member_users(org=self.context["org"])


class PersonPK(serializers.PrimaryKeyRelatedField):
    """A person given work: the service checks they are a member or a partner guest of the partnership."""

    def get_queryset(self):
        return User.objects.all()


def _person(user) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user else None


# --- plans ---------------------------------------------------------------------------------------


class PlanInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects)
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=Plan.Kind.choices, default=Plan.Kind.CUSTOM)
    period = serializers.ChoiceField(
        choices=["quarter", "fiscal_year"],
        required=False,
        allow_null=True,
        help_text=_("Take the fiscal quarter or year containing period_start (or today)"),
    )
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    owner = MemberPK(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    phases = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list)


class PlanUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    kind = serializers.ChoiceField(choices=Plan.Kind.choices, required=False)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    owner = MemberPK(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    phases = serializers.ListField(child=serializers.CharField(max_length=80), required=False)


class PlanApproveInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=["vendor", "partner"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PlanOutputSerializer(serializers.ModelSerializer):
    partner = serializers.CharField(source="partnership.partner.name", read_only=True)
    program = serializers.CharField(source="partnership.program.name", read_only=True)
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "id",
            "partnership",
            "partner",
            "program",
            "name",
            "kind",
            "description",
            "period_start",
            "period_end",
            "phases",
            "owner",
            "status",
            "vendor_approved_at",
            "partner_approved_at",
            "partner_approval_note",
            "validated_at",
            "closed_at",
            "template",
            "created_at",
            "updated_at",
        ]

    def get_owner(self, obj) -> dict | None:
        return _person(obj.owner)


# --- objectives, key results, check-ins, activities ----------------------------------------------


class ObjectiveInputSerializer(serializers.Serializer):
    plan = OrgScopedPK(queryset=Plan.objects)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    phase = serializers.CharField(required=False, allow_blank=True, max_length=80)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, min_value=0)
    responsible_side = serializers.ChoiceField(choices=Side.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    order = serializers.IntegerField(required=False, min_value=0)


class ObjectiveOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", "plan", "title", "description", "phase", "weight", "responsible_side", "tags", "order"]


class KeyResultInputSerializer(serializers.Serializer):
    objective = OrgScopedPK(queryset=Objective.objects)
    name = serializers.CharField(max_length=200)
    unit = serializers.ChoiceField(choices=KeyResult.Unit.choices, required=False)
    direction = serializers.ChoiceField(choices=KeyResult.Direction.choices, required=False)
    baseline = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    target = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, min_value=0)
    responsible_side = serializers.ChoiceField(choices=Side.choices, required=False)
    responsible = PersonPK(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    update_frequency = serializers.ChoiceField(choices=KeyResult.Frequency.choices, required=False)
    order = serializers.IntegerField(required=False, min_value=0)


class KeyResultOutputSerializer(serializers.ModelSerializer):
    """A key result with its computed figures (see plans.rules)."""

    responsible = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    grade = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "plan",
            "objective",
            "name",
            "unit",
            "direction",
            "baseline",
            "target",
            "current_value",
            "weight",
            "responsible_side",
            "responsible",
            "start_date",
            "due_date",
            "update_frequency",
            "last_checkin_at",
            "order",
            "progress",
            "grade",
            "status",
        ]

    def _computed(self, obj):
        if not hasattr(obj, "status"):
            annotate_key_result(obj, plan=obj.plan, today=timezone.localdate(), now=timezone.now())
        return obj

    def get_responsible(self, obj) -> dict | None:
        return _person(obj.responsible)

    def get_progress(self, obj) -> str | None:
        value = self._computed(obj).progress
        return None if value is None else str(value)

    def get_grade(self, obj) -> str | None:
        value = self._computed(obj).grade
        return None if value is None else str(value)

    def get_status(self, obj) -> str:
        return self._computed(obj).status


class CheckInInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CheckInCreateInputSerializer(CheckInInputSerializer):
    key_result = OrgScopedPK(queryset=KeyResult.objects)


class CheckInOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "plan", "key_result", "value", "note", "created_by_label", "created_at"]


class ActivityInputSerializer(serializers.Serializer):
    plan = OrgScopedPK(queryset=Plan.objects)
    objective = OrgScopedPK(queryset=Objective.objects, required=False, allow_null=True)
    key_result = OrgScopedPK(queryset=KeyResult.objects, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=Activity.Type.choices, required=False)
    owner_side = serializers.ChoiceField(choices=Side.choices, required=False)
    assignee = PersonPK(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False)
    progress = serializers.IntegerField(required=False, min_value=0, max_value=100)
    order = serializers.IntegerField(required=False, min_value=0)


class ActivityOutputSerializer(serializers.ModelSerializer):
    assignee = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "plan",
            "objective",
            "key_result",
            "meeting",
            "title",
            "description",
            "type",
            "owner_side",
            "assignee",
            "due_date",
            "status",
            "progress",
            "completed_at",
            "is_overdue",
        ]

    def get_assignee(self, obj) -> dict | None:
        return _person(obj.assignee)

    def get_is_overdue(self, obj) -> bool:
        from plans.rules import activity_is_overdue

        return activity_is_overdue(status=obj.status, due_date=obj.due_date, today=timezone.localdate())


class PlanDetailOutputSerializer(PlanOutputSerializer):
    """A plan with its tree and computed figures (from selectors.plan_tree)."""

    progress = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()
    objectives = serializers.SerializerMethodField()
    activities = serializers.SerializerMethodField()

    class Meta(PlanOutputSerializer.Meta):
        fields = [*PlanOutputSerializer.Meta.fields, "progress", "health", "objectives", "activities"]

    def get_progress(self, obj) -> str | None:
        return None if obj.progress is None else str(obj.progress)

    def get_health(self, obj) -> dict:
        return {k: None if v is None else str(v) for k, v in obj.health.items()}

    def get_objectives(self, obj) -> list[dict]:
        return [
            {
                **ObjectiveOutputSerializer(o).data,
                "progress": None if o.progress is None else str(o.progress),
                "key_results": KeyResultOutputSerializer(o.kr_list, many=True).data,
            }
            for o in obj.objective_list
        ]

    def get_activities(self, obj) -> list[dict]:
        return ActivityOutputSerializer(obj.activity_list, many=True).data


# --- templates and meetings ----------------------------------------------------------------------


class TemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Plan.Kind.choices, default=Plan.Kind.CUSTOM)
    duration_days = serializers.IntegerField(min_value=1, max_value=1000, default=90)
    phases = serializers.ListField(child=serializers.CharField(max_length=80), default=list)
    content = serializers.JSONField(default=dict)


class TemplateUpdateInputSerializer(TemplateInputSerializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=Plan.Kind.choices, required=False)
    duration_days = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    phases = serializers.ListField(child=serializers.CharField(max_length=80), required=False)
    content = serializers.JSONField(required=False)


class TemplateCloneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class TemplateApplyInputSerializer(serializers.Serializer):
    partnerships = OrgScopedPK(queryset=Partnership.objects, many=True)
    period = serializers.ChoiceField(choices=["quarter", "fiscal_year"], required=False, allow_null=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    owner = MemberPK(required=False, allow_null=True)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class TemplateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanTemplate
        fields = ["id", "name", "description", "kind", "duration_days", "phases", "content", "is_default", "updated_at"]


class FollowUpInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=Activity.Type.choices, required=False)
    owner_side = serializers.ChoiceField(choices=Side.choices, required=False)
    assignee = PersonPK(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class MeetingInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects)
    plan = OrgScopedPK(queryset=Plan.objects, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    date = serializers.DateField()
    vendor_attendees = MemberPK(many=True, required=False)
    partner_attendees = OrgScopedPK(queryset=Contact.objects, many=True, required=False)
    other_attendees = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    agenda = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    decisions = serializers.CharField(required=False, allow_blank=True, default="")
    follow_ups = FollowUpInputSerializer(many=True, required=False)


class MeetingOutputSerializer(serializers.ModelSerializer):
    vendor_attendees = serializers.SerializerMethodField()
    partner_attendees = serializers.SerializerMethodField()
    follow_ups = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "partnership",
            "plan",
            "kind",
            "title",
            "date",
            "vendor_attendees",
            "partner_attendees",
            "other_attendees",
            "agenda",
            "notes",
            "decisions",
            "follow_ups",
            "created_at",
        ]

    def get_vendor_attendees(self, obj) -> list[dict]:
        return [_person(u) for u in obj.vendor_attendees.all()]

    def get_partner_attendees(self, obj) -> list[dict]:
        return [{"id": c.pk, "name": c.name, "email": c.email} for c in obj.partner_attendees.all()]

    def get_follow_ups(self, obj) -> list[dict]:
        return [{"id": a.pk, "title": a.title, "status": a.status} for a in obj.follow_ups.all()]
