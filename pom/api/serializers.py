from django.urls import reverse
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from pom.models import PEER_PROFILE_FIELDS, ApiKey, AuditEvent, Job, Membership, Organization


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "size_band",
            "region",
            "industry",
            "currency",
            "fiscal_year_start_month",
            *PEER_PROFILE_FIELDS,  # peer-group profile (benchmarks, issue 10)
            "benchmark_opt_in",
        ]


@extend_schema_serializer(component_name="OrgMemberOutput")
class MemberOutputSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "revoked_at",
            "expires_at",
            "replaced_by",
        ]


class AuditEventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_label",
            "action",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]


class JobOutputSerializer(serializers.ModelSerializer):
    result_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "key",
            "label",
            "status",
            "progress",
            "done_count",
            "total_count",
            "message",
            "error",
            "result",
            "result_file_url",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_result_file_url(self, job: Job) -> str | None:
        """Where members download the file the job produced (an export, an error report)."""
        if not job.result_file:
            return None
        return reverse("org_job_file", args=[self.context["org"].slug, job.pk])
