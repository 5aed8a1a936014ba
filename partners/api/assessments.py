"""API of assessments: health questions, campaigns (send, close), rounds with their results, responses
(list; submit your own), SWOTs and survey scores. Every write goes through `partners.assessment_services`."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from partners import assessment_answers, assessment_selectors, assessment_services
from partners.assessment_models import (
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentKind,
    AssessmentResponse,
    AssessmentRound,
    HealthAnswer,
    HealthQuestion,
    SatisfactionScale,
    SatisfactionScore,
    Swot,
)
from partners.models import Partnership
from pom.api.base import OrgScopedPK, ServiceViewSet
from pom.models import Role

# Health questions ---------------------------------------------------------------------------------


class HealthQuestionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthQuestion
        fields = ["id", "text", "help_text", "order", "is_active", "created_at", "updated_at"]


class HealthQuestionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    help_text = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    order = serializers.IntegerField(min_value=0, required=False)
    is_active = serializers.BooleanField(required=False, default=True)


class HealthQuestionViewSet(ServiceViewSet):
    """The organization's health questionnaire (1–5 answers); admins edit it, rounds sent keep their text."""

    model = HealthQuestion
    input_serializer_class = HealthQuestionInputSerializer
    output_serializer_class = HealthQuestionOutputSerializer
    allow_put = False
    filterset_fields = ["is_active"]
    ordering = ["order", "id"]
    required_roles = {"POST": Role.ADMIN, "PATCH": Role.ADMIN, "DELETE": Role.ADMIN}

    def create_object(self, data):
        question = assessment_services.health_question_create(
            org=self.org, actor=self.actor, text=data["text"], help_text=data["help_text"], order=data.get("order")
        )
        if not data["is_active"]:
            question = assessment_services.health_question_update(
                org=self.org, actor=self.actor, question=question, data={"is_active": False}
            )
        return question

    def update_object(self, question, data):
        return assessment_services.health_question_update(org=self.org, actor=self.actor, question=question, data=data)

    def delete_object(self, question):
        assessment_services.health_question_delete(org=self.org, actor=self.actor, question=question)


# Campaigns ----------------------------------------------------------------------------------------


class CampaignOutputSerializer(serializers.ModelSerializer):
    partnerships = serializers.IntegerField(source="n_rounds", read_only=True)
    invited = serializers.IntegerField(source="n_invited", read_only=True)
    answered = serializers.IntegerField(source="n_answered", read_only=True)
    response_rate = serializers.SerializerMethodField(help_text=_("Answered ÷ invited in percent; null when none"))

    class Meta:
        model = AssessmentCampaign
        fields = [
            "id", "name", "kind", "message", "closes_at", "reminder_every_days", "status", "created_by",
            "sent_at", "closed_at", "partnerships", "invited", "answered", "response_rate",
        ]  # fmt: skip

    def get_response_rate(self, obj) -> str | None:
        rate = assessment_selectors.response_rate(getattr(obj, "n_answered", 0), getattr(obj, "n_invited", 0))
        return None if rate is None else str(rate)


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    partnerships = OrgScopedPK(queryset=Partnership.objects.all(), many=True)
    closes_at = serializers.DateTimeField()
    message = serializers.CharField(required=False, allow_blank=True, default="")
    reminder_every_days = serializers.IntegerField(min_value=1, max_value=30, default=3)


def _with_counts(qs):
    return qs.annotate(
        n_rounds=Count("rounds", distinct=True),
        n_invited=Count("rounds__invitations", distinct=True),
        n_answered=Count(
            "rounds__invitations", filter=Q(rounds__invitations__answered_at__isnull=False), distinct=True
        ),
    )


class AssessmentCampaignViewSet(ServiceViewSet):
    """Assessment campaigns with response rates. `POST` sends one to many partnerships (e-mails with
    personal links to both sides); `close` stops answers and reminders."""

    model = AssessmentCampaign
    input_serializer_class = CampaignInputSerializer
    output_serializer_class = CampaignOutputSerializer
    filterset_fields = ["status", "kind"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return _with_counts(super().filter_queryset(queryset))

    def create_object(self, data):
        return assessment_services.campaign_create(org=self.org, actor=self.actor, **data)

    @extend_schema(request=None, responses=CampaignOutputSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, org_slug, pk):
        """Close the campaign now: its links stop taking answers and no reminder goes out."""
        return self.answer(
            assessment_services.campaign_close(org=self.org, actor=self.actor, campaign=self.get_object())
        )


# Rounds and responses ------------------------------------------------------------------------------


class HealthAnswerOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = HealthAnswer
        fields = ["question", "question_text", "value", "comment"]


class ResponseOutputSerializer(serializers.ModelSerializer):
    trust = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True, allow_null=True)
    health_answers = HealthAnswerOutputSerializer(many=True, read_only=True)

    class Meta:
        model = AssessmentResponse
        fields = [
            "id", "round", "partnership", "side", "respondent", "respondent_email", "respondent_name",
            "submitted_at", "reliability", "credibility", "intimacy", "self_orientation", "trust", "comment",
            "health_answers",
        ]  # fmt: skip


class RoundOutputSerializer(serializers.ModelSerializer):
    invited = serializers.IntegerField(source="n_invited", read_only=True)
    answered = serializers.IntegerField(source="n_answered", read_only=True)

    class Meta:
        model = AssessmentRound
        fields = ["id", "campaign", "partnership", "questions", "created_at", "invited", "answered"]


class SideResultSerializer(serializers.Serializer):
    side = serializers.CharField()
    trust = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    trust_normalised = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    trust_formula = serializers.CharField()
    health_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    invited = serializers.IntegerField()
    response_ids = serializers.SerializerMethodField()

    def get_response_ids(self, obj) -> list[int]:
        return [row.response.pk for row in obj.rows]


class RoundResultOutputSerializer(serializers.Serializer):
    round = RoundOutputSerializer()
    sides = SideResultSerializer(many=True)
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()


class AssessmentRoundViewSet(ServiceViewSet):
    """One campaign's questionnaire for one partnership; `results` gives each side's trust (the formula
    written out), health score and the responses behind them."""

    model = AssessmentRound
    output_serializer_class = RoundOutputSerializer
    filterset_fields = ["campaign", "partnership"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return (
            super()
            .filter_queryset(queryset)
            .annotate(
                n_invited=Count("invitations", distinct=True),
                n_answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True),
            )
        )

    @extend_schema(responses=RoundResultOutputSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, org_slug, pk):
        rnd = (
            self.filter_queryset(self.get_queryset())
            .select_related("partnership__partner")
            .get(pk=self.get_object().pk)
        )
        result = assessment_selectors.round_results(org=self.org, round=rnd)
        return Response(RoundResultOutputSerializer(result).data)


class ResponseInputSerializer(serializers.Serializer):
    invitation = OrgScopedPK(queryset=AssessmentInvitation.objects.all())
    reliability = serializers.IntegerField(required=False, allow_null=True)
    credibility = serializers.IntegerField(required=False, allow_null=True)
    intimacy = serializers.IntegerField(required=False, allow_null=True)
    self_orientation = serializers.IntegerField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    health = serializers.DictField(
        required=False, default=dict, help_text=_('{"<question id>": {"value": 1-5, "comment": "..."}}')
    )


class AssessmentResponseViewSet(ServiceViewSet):
    """Submitted answers (immutable). `POST` submits the caller's own answer to an invitation addressed to
    them; nobody answers for someone else, and API keys cannot answer."""

    model = AssessmentResponse
    input_serializer_class = ResponseInputSerializer
    output_serializer_class = ResponseOutputSerializer
    filterset_fields = ["partnership", "round", "side"]
    ordering = ["-submitted_at", "-id"]
    required_roles = {"POST": Role.VIEWER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).prefetch_related("health_answers")

    def create_object(self, data):
        refusal = _("Only the person this invitation was sent to can answer it.")
        person, invitation = self.person(refusal), data.pop("invitation")
        if invitation.user_id != person.pk and invitation.email.lower() != person.email.lower():
            raise PermissionDenied(refusal)
        return assessment_answers.response_submit(invitation=invitation, actor=person, data=data)


# SWOT and survey scores ---------------------------------------------------------------------------


class SwotOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Swot
        fields = [
            "id", "partnership", "year", "strengths", "weaknesses", "opportunities", "threats", "updated_by",
            "updated_at",
        ]  # fmt: skip


class SwotInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    year = serializers.IntegerField()
    strengths = serializers.CharField(required=False, allow_blank=True)
    weaknesses = serializers.CharField(required=False, allow_blank=True)
    opportunities = serializers.CharField(required=False, allow_blank=True)
    threats = serializers.CharField(required=False, allow_blank=True)


class SwotViewSet(ServiceViewSet):
    """SWOT per partnership and year. `POST` creates or edits the one of that year (fields left out are kept)."""

    model = Swot
    input_serializer_class = SwotInputSerializer
    output_serializer_class = SwotOutputSerializer
    create_status = status.HTTP_200_OK  # an upsert: the year's SWOT, new or edited
    filterset_fields = ["partnership", "year"]
    ordering = ["partnership", "-year"]

    def create_object(self, data):
        return assessment_services.swot_save(
            org=self.org, actor=self.actor, partnership=data.pop("partnership"), year=data.pop("year"), data=data
        )


class SatisfactionOutputSerializer(serializers.ModelSerializer):
    normalised = serializers.SerializerMethodField(help_text=_("On 0–100: NPS (score+100)/2, CSAT as is, 1–5 (s−1)×25"))

    class Meta:
        model = SatisfactionScore
        fields = [
            "id", "partnership", "scale", "score", "normalised", "source", "measured_on", "respondents", "note",
            "entered_by", "created_at",
        ]  # fmt: skip

    def get_normalised(self, obj) -> str:
        from partners.assessment_facts import satisfaction_normalised

        return str(satisfaction_normalised(scale=obj.scale, score=obj.score))


class SatisfactionInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    scale = serializers.ChoiceField(choices=SatisfactionScale.choices)
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    source = serializers.CharField(max_length=150)
    measured_on = serializers.DateField()
    respondents = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SatisfactionScoreViewSet(ServiceViewSet):
    """Survey scores per partnership (NPS, CSAT) with their source and date."""

    model = SatisfactionScore
    input_serializer_class = SatisfactionInputSerializer
    output_serializer_class = SatisfactionOutputSerializer
    filterset_fields = ["partnership", "scale"]
    ordering = ["-measured_on", "-id"]

    def create_object(self, data):
        return assessment_services.satisfaction_create(
            org=self.org, actor=self.actor, partnership=data.pop("partnership"), data=data
        )

    def delete_object(self, record):
        assessment_services.satisfaction_delete(org=self.org, actor=self.actor, record=record)
