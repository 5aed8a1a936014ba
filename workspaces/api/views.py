"""Workspace API.

Vendor side under /api/o/<org_slug>/ (OrgViewSet: organization members and organization API keys), guest
side under /api/w/ (a partner person's session, or anyone with access to the workspace). Both resolve the
caller's workspace access through `selectors.workspace_access` and call the same services as the pages.
"""

from __future__ import annotations

import django_filters
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import parsers, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from plans.models import CheckIn, KeyResult
from pom.api.base import ServiceViewSet, ServiceWrites, StrictInputMixin
from pom.models import Role, User
from workspaces import invitation_services, selectors, services
from workspaces.api.serializers import (
    CheckinInputSerializer,
    CheckinOutputSerializer,
    CommentInputSerializer,
    CommentOutputSerializer,
    FileInputSerializer,
    FileOutputSerializer,
    InvitationInputSerializer,
    InvitationOutputSerializer,
    MemberOutputSerializer,
    MemberUpdateInputSerializer,
    UpdateOutputSerializer,
    VendorCommentInputSerializer,
    VendorFileInputSerializer,
    WorkspaceInputSerializer,
    WorkspaceOutputSerializer,
)
from workspaces.models import (
    Comment,
    Update,
    Workspace,
    WorkspaceFile,
    WorkspaceInvitation,
    WorkspaceMember,
    WorkspaceRole,
)


def _download(record: WorkspaceFile) -> FileResponse:
    response = FileResponse(
        record.file.open("rb"), as_attachment=True, filename=record.original_name, content_type=record.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# Vendor side ------------------------------------------------------------------------------------


class VendorWorkspaceMixin:
    """Workspace lookups inside the URL's organization, and the caller's access to one workspace."""

    def workspace_in_org(self, public_id) -> Workspace:
        workspace = Workspace.objects.for_org(self.org).filter(public_id=public_id).first()
        if workspace is None:
            raise Http404(_("No such workspace"))
        return workspace

    def access_for(self, workspace: Workspace):
        access = selectors.workspace_access(user=self.request.user, workspace=workspace)
        if access is None:
            raise Http404(_("No such workspace"))
        return access


class WorkspaceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q")
    partnership = django_filters.NumberFilter(field_name="partnerships")

    class Meta:
        model = Workspace
        fields = ["q", "partnership", "is_default"]

    def filter_q(self, qs, name, value):
        return qs.filter(name__icontains=value)


class WorkspaceViewSet(ServiceViewSet):
    """The organization's workspaces (one per partnership, plus deal rooms around several partnerships)."""

    model = Workspace
    input_serializer_class = WorkspaceInputSerializer
    output_serializer_class = WorkspaceOutputSerializer
    lookup_field = "public_id"
    filterset_class = WorkspaceFilter
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def create_object(self, data):
        return services.workspace_create(org=self.org, actor=self.actor, **data)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return selectors.workspace_list(org=self.org).filter(pk__in=queryset.values("pk"))


class ByWorkspaceFilter(django_filters.FilterSet):
    workspace = django_filters.UUIDFilter(field_name="workspace__public_id")


class WorkspaceMemberViewSet(VendorWorkspaceMixin, ServiceViewSet):
    """Explicit workspace members (partner people and vendor users added beyond their role).

    Changing roles and removing people needs workspace ownership (org owner/admin, or a write API key).
    """

    model = WorkspaceMember
    update_serializer_class = MemberUpdateInputSerializer
    output_serializer_class = MemberOutputSerializer
    allow_put = False
    patch_partial = False  # the role is the one thing to change
    filterset_class = ByWorkspaceFilter
    required_roles = {"GET": Role.VIEWER, "PATCH": Role.MANAGER, "DELETE": Role.MANAGER}
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("user", "workspace").order_by("workspace", "side", "id")

    def update_object(self, member, data):
        access = self.access_for(member.workspace)
        return services.member_set_role(access=access, actor=self.actor, member=member, role=data["role"])

    def delete_object(self, member):
        services.member_remove(access=self.access_for(member.workspace), actor=self.actor, member=member)


class WorkspaceInvitationViewSet(VendorWorkspaceMixin, ServiceViewSet):
    """Invitations by e-mail. Creating, resending and revoking need workspace ownership."""

    model = WorkspaceInvitation
    input_serializer_class = InvitationInputSerializer
    output_serializer_class = InvitationOutputSerializer
    filterset_class = ByWorkspaceFilter
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("workspace", "invited_by").order_by("-created_at")

    def create_object(self, data):
        workspace = self.workspace_in_org(data.pop("workspace"))
        invitation, _raw = invitation_services.invitation_create(
            access=self.access_for(workspace), actor=self.actor, **data
        )
        return invitation

    @extend_schema(request=None, responses=InvitationOutputSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        invitation = self.get_object()
        invitation_services.invitation_resend(
            access=self.access_for(invitation.workspace), actor=self.actor, invitation=invitation
        )
        return self.answer(invitation)

    @extend_schema(request=None, responses=InvitationOutputSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        invitation = self.get_object()
        invitation_services.invitation_revoke(
            access=self.access_for(invitation.workspace), actor=self.actor, invitation=invitation
        )
        return self.answer(invitation)


class CommentViewSet(VendorWorkspaceMixin, ServiceViewSet):
    """Comments and internal notes of the organization's workspaces (vendor side sees both)."""

    model = Comment
    input_serializer_class = VendorCommentInputSerializer
    output_serializer_class = CommentOutputSerializer
    filterset_class = ByWorkspaceFilter
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def filter_queryset(self, queryset):
        return (
            super()
            .filter_queryset(queryset)
            .select_related("workspace")
            .prefetch_related("mentions")
            .order_by("-created_at", "-id")
        )

    def create_object(self, data):
        workspace = self.workspace_in_org(data.pop("workspace"))  # 404 before the key's 403
        person = self.person(_("Comments are written by people, not API keys."))
        return services.comment_create(access=self.access_for(workspace), actor=person, **data)


class FileViewSet(VendorWorkspaceMixin, ServiceViewSet):
    """Files shared in the organization's workspaces; `download` serves the bytes as an attachment."""

    model = WorkspaceFile
    input_serializer_class = VendorFileInputSerializer
    output_serializer_class = FileOutputSerializer
    filterset_class = ByWorkspaceFilter
    lookup_field = "public_id"
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER, "DELETE": Role.MANAGER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("workspace", "uploaded_by").order_by("-created_at")

    def create_object(self, data):
        workspace = self.workspace_in_org(data["workspace"])
        return services.file_upload(access=self.access_for(workspace), actor=self.actor, uploaded=data["file"])

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        return _download(self.get_object())

    def delete_object(self, record):
        services.file_delete(access=self.access_for(record.workspace), actor=self.actor, record=record)


# Guest side -------------------------------------------------------------------------------------

WORKSPACE_ID = OpenApiParameter("workspace_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
FILE_ID = OpenApiParameter("file_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PUBLIC_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class GuestWorkspaceMixin(StrictInputMixin):
    """Resolves `self.workspace` and `self.access` from the URL's `workspace_id`: 404 without access,
    403 when the method needs a higher workspace role (writes need editor)."""

    permission_classes = [permissions.IsAuthenticated]
    write_role = WorkspaceRole.EDITOR
    schema_model: type = Workspace

    def get_queryset(self):
        # Only the schema generator asks: the actions read through selectors for `self.workspace`.
        return selectors.no_rows(model=self.schema_model)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        workspace = selectors.workspace_by_public_id(public_id=kwargs["workspace_id"])
        access = selectors.workspace_access(user=request.user, workspace=workspace) if workspace else None
        if access is None:
            raise Http404(_("No such workspace"))
        self.workspace, self.access = workspace, access
        if request.method not in permissions.SAFE_METHODS and not (
            access.can_manage if self.write_role == WorkspaceRole.OWNER else access.can_edit
        ):
            self.permission_denied(request, message=f"This needs the {self.write_role} role in this workspace.")

    @property
    def actor(self):
        return getattr(self.request.user, "key", self.request.user)


@extend_schema_view(retrieve=extend_schema(parameters=[PUBLIC_ID]))
class GuestWorkspaceViewSet(viewsets.GenericViewSet):
    """Workspaces the signed-in person belongs to as a partner, across vendors; and one workspace by id."""

    serializer_class = WorkspaceOutputSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.no_rows(model=Workspace)

    lookup_field = "public_id"

    def list(self, request):
        # API keys belong to one vendor: they have no partner workspaces of their own.
        qs = (
            selectors.workspaces_for_user(user=request.user).prefetch_related("partnerships")
            if isinstance(request.user, User)
            else []
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, public_id=None):
        workspace = selectors.workspace_by_public_id(public_id=public_id)
        if workspace is None or selectors.workspace_access(user=request.user, workspace=workspace) is None:
            raise Http404(_("No such workspace"))
        return Response(self.get_serializer(workspace).data)


@extend_schema(parameters=[WORKSPACE_ID])
class GuestMemberViewSet(GuestWorkspaceMixin, viewsets.GenericViewSet):
    """The workspace's explicit members; e-mails only for the people who manage it."""

    schema_model = WorkspaceMember
    serializer_class = MemberOutputSerializer

    def list(self, request, workspace_id):
        qs = selectors.member_list(workspace=self.workspace).select_related("workspace")
        page = self.paginate_queryset(qs)
        context = {**self.get_serializer_context(), "show_emails": self.access.can_manage}
        return self.get_paginated_response(MemberOutputSerializer(page, many=True, context=context).data)


@extend_schema(parameters=[WORKSPACE_ID])
class GuestFeedViewSet(GuestWorkspaceMixin, viewsets.GenericViewSet):
    schema_model = Update
    serializer_class = UpdateOutputSerializer

    def list(self, request, workspace_id):
        qs = selectors.feed(workspace=self.workspace, include_internal=self.access.sees_internal)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(UpdateOutputSerializer(page, many=True).data)


@extend_schema(parameters=[WORKSPACE_ID])
class GuestCommentViewSet(GuestWorkspaceMixin, ServiceWrites, viewsets.GenericViewSet):
    schema_model = Comment
    input_serializer_class = CommentInputSerializer
    output_serializer_class = CommentOutputSerializer

    def _comments(self):
        return selectors.comment_list(workspace=self.workspace, include_internal=self.access.sees_internal)

    def list(self, request, workspace_id):
        page = self.paginate_queryset(self._comments().select_related("workspace"))
        return self.get_paginated_response(CommentOutputSerializer(page, many=True).data)

    def output_queryset(self):
        return self._comments().select_related("workspace")

    def create_object(self, data):
        return services.comment_create(access=self.access, actor=self.request.user, **data)


@extend_schema_view(
    list=extend_schema(parameters=[WORKSPACE_ID]),
    create=extend_schema(parameters=[WORKSPACE_ID]),
    retrieve=extend_schema(parameters=[WORKSPACE_ID, FILE_ID]),
    destroy=extend_schema(parameters=[WORKSPACE_ID, FILE_ID]),
)
class GuestFileViewSet(GuestWorkspaceMixin, ServiceWrites, viewsets.GenericViewSet):
    schema_model = WorkspaceFile
    input_serializer_class = FileInputSerializer
    output_serializer_class = FileOutputSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    def get_object(self) -> WorkspaceFile:
        record = selectors.file_by_public_id(workspace=self.workspace, public_id=self.kwargs["file_id"])
        if record is None:
            raise Http404(_("No such file"))
        return record

    def list(self, request, workspace_id):
        page = self.paginate_queryset(self.output_queryset())
        return self.get_paginated_response(FileOutputSerializer(page, many=True).data)

    def output_queryset(self):
        return selectors.file_list(workspace=self.workspace).select_related("workspace")

    def create_object(self, data):
        return services.file_upload(access=self.access, actor=self.request.user, uploaded=data["file"])

    def delete_object(self, obj):
        services.file_delete(access=self.access, actor=self.request.user, record=obj)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def retrieve(self, request, workspace_id, file_id):
        return _download(self.get_object())  # the file itself, not a serializer's fields


@extend_schema(parameters=[WORKSPACE_ID])
class GuestCheckinViewSet(GuestWorkspaceMixin, ServiceWrites, viewsets.GenericViewSet):
    """Check-ins on the workspace plan's key results (a partner editor: partner-owned key results only)."""

    input_serializer_class = CheckinInputSerializer
    output_serializer_class = CheckinOutputSerializer

    def _partnership_ids(self):
        return selectors.workspace_partnership_ids(workspace=self.workspace)

    def output_queryset(self):
        checkins = CheckIn.objects.for_org(self.workspace.organization)
        return checkins.filter(plan__partnership_id__in=self._partnership_ids())

    def create_object(self, data):
        key_result = (
            KeyResult.objects.for_org(self.workspace.organization)
            .filter(pk=data["key_result"], plan__partnership_id__in=self._partnership_ids())
            .select_related("plan")
            .first()
        )
        if key_result is None:
            raise ApiValidationError({"key_result": [_("No such key result in this workspace.")]})
        return services.checkin_post(
            access=self.access, actor=self.request.user, key_result=key_result, value=data["value"], note=data["note"]
        )
