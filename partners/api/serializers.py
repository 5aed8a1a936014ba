from __future__ import annotations

import functools

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from partners.models import (
    Archetype,
    Certification,
    Contact,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    PartnerType,
    PartnerTypeLink,
    Program,
    Segment,
    Tier,
)
from pom.api.base import OrgScopedPK
from pom.models import Region, SizeBand
from pom.selectors import member_users


class OrgScopedSlug(serializers.SlugRelatedField):
    """A taxonomy term in input, given by slug, looked up inside the request's organization only."""

    def get_queryset(self):
        return super().get_queryset().for_org(self.context["org"])


class MemberPK(serializers.PrimaryKeyRelatedField):
    """A user in input who must be a member of the request's organization (owners, assignees)."""

    def get_queryset(self):
        return member_users(org=self.context["org"])


# Partners ---------------------------------------------------------------------------------------


class PartnershipBriefSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True, default=None)
    current_stage_name = serializers.CharField(source="current_stage.name", read_only=True, default=None)

    class Meta:
        model = Partnership
        fields = ["id", "program", "program_name", "tier", "tier_name", "status", "current_stage", "current_stage_name"]


class PartnerOutputSerializer(serializers.ModelSerializer):
    types = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    archetype_name = serializers.CharField(source="archetype.name", read_only=True, default=None)
    segment_name = serializers.CharField(source="segment.name", read_only=True, default=None)
    owner_email = serializers.EmailField(source="owner.email", read_only=True, default=None)
    journey_stage_name = serializers.CharField(source="journey_stage.name", read_only=True, default=None)
    partnership_count = serializers.IntegerField(read_only=True)
    partnerships = PartnershipBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "domain",
            "website",
            "description",
            "types",
            "archetype",
            "archetype_name",
            "segment",
            "segment_name",
            "is_focus",
            "region",
            "country",
            "size_band",
            "industry",
            "owner",
            "owner_email",
            "status",
            "journey_stage",
            "journey_stage_name",
            "relationship_maturity",
            "linked_organization",
            "partnership_count",
            "partnerships",
            "created_at",
            "updated_at",
        ]


class PartnerListRows:
    """The API list's read path: `PartnerOutputSerializer`'s output for a page of partners, built from
    `.values()` rows in three queries (the page's rows, types, partnerships) with no model objects or
    nested serializers. Columns whose field would return them unchanged are copied, datetimes are
    formatted as DRF does, other columns by the output serializer's own fields, so the shape and formats
    are the same (tests/partners/test_api_list_rows.py compares the two)."""

    FOREIGN_KEYS = ("archetype", "segment", "owner", "journey_stage", "linked_organization")
    NAMES = {
        "archetype_name": "archetype__name",
        "segment_name": "segment__name",
        "owner_email": "owner__email",
        "journey_stage_name": "journey_stage__name",
    }
    BRIEF = {
        "id": "id",
        "program": "program_id",
        "program_name": "program__name",
        "tier": "tier_id",
        "tier_name": "tier__name",
        "status": "status",
        "current_stage": "current_stage_id",
        "current_stage_name": "current_stage__name",
    }

    # Fields whose `to_representation` returns a value read from its own column unchanged (str, int,
    # bool; a choice key is its own string): the rows' values are copied as they are.
    AS_READ = {
        serializers.CharField,
        serializers.EmailField,
        serializers.URLField,
        serializers.ChoiceField,
        serializers.IntegerField,
        serializers.BooleanField,
    }

    def __init__(self):
        fields = PartnerOutputSerializer().fields
        self.order = list(fields)
        derived = {"types", "partnerships", *self.FOREIGN_KEYS, *self.NAMES}
        self.formats = {name: fields[name].to_representation for name in self.order if name not in derived}
        # How each output field is made from a row: (column, "copy" | "datetime" | "format").
        self.kinds: list[tuple[str, str, str]] = []
        for name in self.order:
            field = fields[name]
            if name in ("types", "partnerships") or name in self.NAMES or type(field) in self.AS_READ:
                self.kinds.append((name, name, "copy"))
            elif name in self.FOREIGN_KEYS:
                self.kinds.append((name, f"{name}_id", "copy"))
            else:
                self.kinds.append((name, name, "datetime" if _iso_datetime(field) else "format"))

    def page(self, ids: list[int], *, org) -> list[dict]:
        """The output for these ids (a page of the list, in its order): their rows with the joined names,
        then the types and the partnerships of all of them (three queries)."""
        columns = list(self.formats) + [f"{fk}_id" for fk in self.FOREIGN_KEYS]
        names = {key: models.F(path) for key, path in self.NAMES.items()}
        page = Partner.objects.for_org(org).filter(pk__in=ids)
        by_id = {row["id"]: row for row in page.values(*columns, **names)}
        rows = [by_id[pk] for pk in ids if pk in by_id]  # one deleted since its id was read is left out
        types: dict[int, list[str]] = {pk: [] for pk in ids}
        links = PartnerTypeLink.objects.for_org(org).filter(partner_id__in=ids)
        for partner_id, slug in links.order_by("partner_type__order", "partner_type__name").values_list(
            "partner_id", "partner_type__slug"
        ):
            types[partner_id].append(slug)
        partnerships: dict[int, list[dict]] = {pk: [] for pk in ids}
        brief = Partnership.objects.for_org(org).filter(partner_id__in=ids).order_by("program__name")
        for row in brief.values("partner_id", *self.BRIEF.values()):
            partnerships[row["partner_id"]].append({key: row[path] for key, path in self.BRIEF.items()})
        for row in rows:
            row["types"], row["partnerships"] = types[row["id"]], partnerships[row["id"]]
        return self.render(rows)

    def render(self, rows: list[dict]) -> list[dict]:
        zone = timezone.get_current_timezone()  # DRF's DateTimeField shows times in the current zone
        out = []
        for row in rows:
            item = {}
            for name, column, kind in self.kinds:
                if (value := row[column]) is None or kind == "copy":
                    item[name] = value
                elif kind == "datetime":  # DateTimeField.to_representation, without its per-call lookups
                    text = value.astimezone(zone).isoformat()
                    item[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
                else:
                    item[name] = self.formats[name](value)
            out.append(item)
        return out


def _iso_datetime(field) -> bool:
    """A DateTimeField shown in DRF's default ISO 8601 form (its output is then rebuilt in `render`)."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return type(field) is serializers.DateTimeField and output_format is not None and output_format.lower() == ISO_8601


@functools.cache
def partner_list_rows() -> PartnerListRows:
    """One `PartnerListRows` per process (it reads the output serializer's fields once)."""
    return PartnerListRows()


class PartnerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    types = OrgScopedSlug(slug_field="slug", many=True, queryset=PartnerType.objects, required=False)
    archetype = OrgScopedPK(queryset=Archetype.objects, required=False, allow_null=True)
    segment = OrgScopedPK(queryset=Segment.objects, required=False, allow_null=True)
    is_focus = serializers.BooleanField(required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_blank=True)
    size_band = serializers.ChoiceField(choices=SizeBand.choices, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=80, required=False, allow_blank=True)
    owner = MemberPK(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Partner.Status.choices, required=False)
    relationship_maturity = serializers.ChoiceField(choices=Partner.Maturity.choices, required=False)

    def validate_country(self, value: str) -> str:
        return value.upper()


class PartnerBulkUpsertInputSerializer(serializers.Serializer):
    partners = serializers.ListField(child=serializers.DictField(), max_length=1000, allow_empty=False)


class PartnerBulkUpsertOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


# Contacts ---------------------------------------------------------------------------------------


class ContactOutputSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "partner", "partner_name", "name", "email", "title", "phone", "role", "created_at"]


class ContactInputSerializer(serializers.Serializer):
    partner = OrgScopedPK(queryset=Partner.objects)
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False)


# Programs and tiers -----------------------------------------------------------------------------


class TierOutputSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "program",
            "program_name",
            "name",
            "rank",
            "required_revenue",
            "revenue_period_months",
            "required_certifications",
            "required_points",
            "benefits",
        ]


class TierInputSerializer(serializers.Serializer):
    program = OrgScopedPK(queryset=Program.objects)
    name = serializers.CharField(max_length=80)
    rank = serializers.IntegerField(min_value=1, required=False)
    required_revenue = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    revenue_period_months = serializers.IntegerField(min_value=1, max_value=60, required=False)
    required_certifications = serializers.IntegerField(min_value=0, required=False)
    required_points = serializers.IntegerField(min_value=0, required=False)
    benefits = serializers.ListField(child=serializers.CharField(max_length=300), required=False)


class ProgramOutputSerializer(serializers.ModelSerializer):
    tiers = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "compensation_model",
            "rate",
            "currency",
            "is_active",
            "tiers",
            "created_at",
        ]

    def get_tiers(self, program) -> list[dict]:
        return [
            {"id": t.id, "name": t.name, "rank": t.rank, "benefits": t.benefits}
            for t in sorted(program.tiers.all(), key=lambda t: t.rank)
        ]


class ProgramInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Program.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    compensation_model = serializers.ChoiceField(choices=Program.Compensation.choices, required=False)
    rate = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    is_active = serializers.BooleanField(required=False)


# Partnerships and journeys ----------------------------------------------------------------------


class PartnershipOutputSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True, default=None)
    current_stage_name = serializers.CharField(source="current_stage.name", read_only=True, default=None)

    class Meta:
        model = Partnership
        fields = [
            "id",
            "partner",
            "partner_name",
            "program",
            "program_name",
            "tier",
            "tier_name",
            "status",
            "start_date",
            "renewal_date",
            "agreement_signed_on",
            "owner",
            "notes",
            "journey_template",
            "current_stage",
            "current_stage_name",
            "stage_entered_at",
            "created_at",
        ]


class PartnershipInputSerializer(serializers.Serializer):
    partner = OrgScopedPK(queryset=Partner.objects)
    program = OrgScopedPK(queryset=Program.objects)
    tier = OrgScopedPK(queryset=Tier.objects, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Partnership.Status.choices, required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    renewal_date = serializers.DateField(required=False, allow_null=True)
    agreement_signed_on = serializers.DateField(required=False, allow_null=True)
    owner = MemberPK(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        tier, program = attrs.get("tier"), attrs.get("program")
        if tier is not None and program is not None and tier.program_id != program.id:
            raise serializers.ValidationError(
                {
                    "tier": _("“%(name)s” is not a tier of the program %(name2)s.")
                    % {"name": tier.name, "name2": program.name}
                }
            )
        return attrs


class PartnershipUpdateInputSerializer(PartnershipInputSerializer):
    partner = None
    program = None


class MoveStageInputSerializer(serializers.Serializer):
    stage = OrgScopedPK(queryset=JourneyStage.objects)


class StepInputSerializer(serializers.Serializer):
    step = OrgScopedPK(queryset=JourneyStep.objects)
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class JourneyStepOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JourneyStep
        fields = ["id", "name", "order", "description"]


class JourneyStageOutputSerializer(serializers.ModelSerializer):
    steps = JourneyStepOutputSerializer(many=True, read_only=True)

    class Meta:
        model = JourneyStage
        fields = ["id", "name", "order", "description", "steps"]


class JourneyTemplateOutputSerializer(serializers.ModelSerializer):
    stages = JourneyStageOutputSerializer(many=True, read_only=True)

    class Meta:
        model = JourneyTemplate
        fields = ["id", "name", "description", "is_default", "stages"]


def journey_progress_data(progress: dict) -> dict:
    """JSON shape of `selectors.journey_progress`."""
    current = progress["current"]
    return {
        "current_stage": current.pk if current else None,
        "current_stage_name": current.name if current else None,
        "done": progress["done"],
        "total": progress["total"],
        "percent": progress["percent"],
        "stages": [
            {
                "id": row["stage"].pk,
                "name": row["stage"].name,
                "order": row["stage"].order,
                "state": row["state"],
                "entered_at": row["entered_at"],
                "done": row["done"],
                "total": row["total"],
                "steps": [
                    {
                        "id": s["step"].pk,
                        "name": s["step"].name,
                        "done": s["done"],
                        "completed_at": s["completed_at"],
                        "completed_by": s["completed_by"].display_name if s["completed_by"] else None,
                    }
                    for s in row["steps"]
                ],
            }
            for row in progress["stages"]
        ],
    }


# Certifications ---------------------------------------------------------------------------------


class CertificationOutputSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default=None)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Certification
        fields = [
            "id",
            "partner",
            "partner_name",
            "contact",
            "contact_name",
            "name",
            "issued_on",
            "expires_on",
            "state",
        ]


class CertificationInputSerializer(serializers.Serializer):
    partner = OrgScopedPK(queryset=Partner.objects)
    contact = OrgScopedPK(queryset=Contact.objects, required=False, allow_null=True)
    name = serializers.CharField(max_length=150)
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True)
