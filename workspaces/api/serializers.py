from rest_framework import serializers

from attribution.models import Opportunity
from partners.models import Partnership
from pom.api.base import OrgScopedPK
from workspaces.models import (
    Comment,
    Side,
    Update,
    Workspace,
    WorkspaceFile,
    WorkspaceInvitation,
    WorkspaceMember,
    WorkspaceRole,
)


class WorkspaceOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organization = serializers.CharField(source="organization.name", read_only=True)
    partnership_ids = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Workspace
        fields = ["id", "name", "description", "organization", "partnership_ids", "member_count", "last_activity_at"]

    def get_partnership_ids(self, obj) -> list[int]:
        return [p.pk for p in obj.partnerships.all()]


class MemberOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.display_name", read_only=True)
    email = serializers.SerializerMethodField()
    workspace = serializers.UUIDField(source="workspace.public_id", read_only=True)

    class Meta:
        model = WorkspaceMember
        fields = ["id", "workspace", "name", "email", "side", "role", "created_at"]

    def get_email(self, obj) -> str | None:
        # Partner people see each other's names; e-mails are for the people managing the workspace.
        return obj.user.email if self.context.get("show_emails", True) else None


class MemberUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=WorkspaceRole.choices)


class InvitationInputSerializer(serializers.Serializer):
    workspace = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=WorkspaceRole.choices, default=WorkspaceRole.EDITOR)
    side = serializers.ChoiceField(choices=Side.choices, default=Side.PARTNER)


class InvitationOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.UUIDField(source="workspace.public_id", read_only=True)
    state = serializers.CharField(read_only=True)
    invited_by = serializers.CharField(source="invited_by.display_name", read_only=True, default=None)

    class Meta:
        model = WorkspaceInvitation
        fields = [
            "id",
            "workspace",
            "email",
            "role",
            "side",
            "state",
            "invited_by",
            "expires_at",
            "resent_at",
            "created_at",
        ]


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    internal = serializers.BooleanField(default=False)


class VendorCommentInputSerializer(CommentInputSerializer):
    workspace = serializers.UUIDField()


class CommentOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.UUIDField(source="workspace.public_id", read_only=True)
    author = serializers.CharField(source="author_label", read_only=True)
    mentions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "workspace", "author", "body", "internal", "mentions", "created_at"]

    def get_mentions(self, obj) -> list[str]:
        return [u.display_name for u in obj.mentions.all()]


class FileOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    workspace = serializers.UUIDField(source="workspace.public_id", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.display_name", read_only=True, default=None)

    class Meta:
        model = WorkspaceFile
        fields = ["id", "workspace", "original_name", "size", "content_type", "uploaded_by", "created_at"]


class FileInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class VendorFileInputSerializer(FileInputSerializer):
    workspace = serializers.UUIDField()


class UpdateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Update
        fields = ["id", "kind", "actor_label", "text", "url", "internal", "created_at"]


class CheckinInputSerializer(serializers.Serializer):
    key_result = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CheckinOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key_result = serializers.IntegerField(source="key_result_id")
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class WorkspaceInputSerializer(serializers.Serializer):
    """A workspace around several partnerships, optionally one opportunity (a deal room)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    partnerships = OrgScopedPK(queryset=Partnership.objects, many=True)
    opportunity = OrgScopedPK(queryset=Opportunity.objects, required=False, allow_null=True, default=None)
