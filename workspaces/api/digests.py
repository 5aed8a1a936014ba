"""Digest and next-best-action API under /api/o/<org_slug>/ (organization members and API keys).

- `digests/`: list (filter by status, kind, workspace) and read; PATCH edits a draft's subject and text,
  `POST digests/<id>/approve/` approves and sends it, `POST digests/run/` requests a run (a pom.jobs job).
- `suggestions/`: list (filter by status, rule, partnership, side), `POST …/accept/`, `…/dismiss/`,
  `…/snooze/`. Same services as the pages; writes need the manager role or a write key.

Under /api/w/<workspace>/ (any member of the workspace, partner people included): `digests/` (partner
people: sent ones; one digest with its text as the caller reads it) and `suggestions/` (the caller's
side) with `accept`, `dismiss`, `snooze` for editors.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from pom.api.base import ServiceViewSet
from pom.api.serializers import JobOutputSerializer
from pom.models import Role, User
from workspaces import digest_outbox, digest_selectors, digest_services, nba_services, selectors
from workspaces.api.views import GuestWorkspaceMixin
from workspaces.models import Digest, DigestKind, Side, Suggestion


class DigestOutputSerializer(serializers.ModelSerializer):
    workspace = serializers.UUIDField(source="workspace.public_id", read_only=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Digest
        fields = [
            "id",
            "workspace",
            "kind",
            "period",
            "status",
            "subject",
            "body",
            "writer",
            "writer_note",
            "figures",
            "approved_at",
            "sent_at",
            "created_at",
        ]

    def get_figures(self, obj) -> list[dict]:
        """Every key result of the digest with its figures and the link to its row."""
        return [
            {
                "key_result": kr["id"],
                "name": kr["name"],
                "realised": kr["realised"],
                "target": kr["target"],
                "percent": kr["percent"],
                "url": kr["url"],
            }
            for kr in obj.facts.get("key_results", [])
        ]


class DigestInputSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=8000)


class DigestRunInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DigestKind.choices, default=DigestKind.WEEKLY)


class DigestFilter(django_filters.FilterSet):
    workspace = django_filters.UUIDFilter(field_name="workspace__public_id")

    class Meta:
        model = Digest
        fields = ["status", "kind", "workspace", "period"]


class DigestViewSet(ServiceViewSet):
    """The organization's digests, every status (partner people read theirs in the workspace)."""

    model = Digest
    update_serializer_class = DigestInputSerializer
    output_serializer_class = DigestOutputSerializer
    allow_put = False
    patch_partial = False  # a draft is edited as subject and text together
    filterset_class = DigestFilter
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER, "PATCH": Role.MANAGER}
    http_method_names = ["get", "patch", "post", "head", "options"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("workspace").order_by("-created_at", "-id")

    def _access(self, digest: Digest):
        access = selectors.workspace_access(user=self.request.user, workspace=digest.workspace)
        if access is None:
            raise Http404(_("No such digest"))
        return access

    def update_object(self, digest, data):
        return digest_services.digest_update(access=self._access(digest), actor=self.actor, digest=digest, **data)

    @extend_schema(request=None, responses=DigestOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        digest = self.get_object()
        return self.answer(digest_services.digest_approve(access=self._access(digest), actor=self.actor, digest=digest))

    @extend_schema(request=DigestRunInputSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def run(self, request, *args, **kwargs):
        checked = self.validated(DigestRunInputSerializer)
        job = digest_services.run_request(
            org=self.org, kind=checked["kind"], today=timezone.localdate(), actor=self.actor
        )
        return self.answer_job(job)


class SuggestionOutputSerializer(serializers.ModelSerializer):
    rationale = serializers.CharField(read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "partnership",
            "plan",
            "rule",
            "target_type",
            "target_id",
            "side",
            "priority",
            "title",
            "detail",
            "rationale",
            "evidence",
            "status",
            "snoozed_until",
            "dismiss_reason",
            "activity",
            "decided_at",
            "created_at",
        ]


class DismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class SnoozeInputSerializer(serializers.Serializer):
    until = serializers.DateField()


class SuggestionFilter(django_filters.FilterSet):
    class Meta:
        model = Suggestion
        fields = ["status", "rule", "partnership", "side", "target_type"]


class SuggestionViewSet(ServiceViewSet):
    """Next best actions, highest priority first, with the rule's rationale and the evidence links."""

    model = Suggestion
    output_serializer_class = SuggestionOutputSerializer
    filterset_class = SuggestionFilter
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("-priority", "created_at", "id")

    @extend_schema(request=None, responses=SuggestionOutputSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        suggestion = self.get_object()
        nba_services.accept(org=self.org, actor=self.actor, suggestion=suggestion)
        return self.answer(suggestion)

    @extend_schema(request=DismissInputSerializer, responses=SuggestionOutputSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        suggestion = self.get_object()
        checked = self.validated(DismissInputSerializer)
        nba_services.dismiss(org=self.org, actor=self.actor, suggestion=suggestion, reason=checked["reason"])
        return self.answer(suggestion)

    @extend_schema(request=SnoozeInputSerializer, responses=SuggestionOutputSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, *args, **kwargs):
        suggestion = self.get_object()
        checked = self.validated(SnoozeInputSerializer)
        nba_services.snooze(org=self.org, actor=self.actor, suggestion=suggestion, until=checked["until"])
        return self.answer(suggestion)


# Partner side: /api/w/<workspace>/digests/ and /api/w/<workspace>/suggestions/ ----------------------


class GuestDigestOutputSerializer(DigestOutputSerializer):
    class Meta(DigestOutputSerializer.Meta):
        fields = ["id", "workspace", "kind", "period", "status", "subject", "body", "figures", "sent_at", "created_at"]


class GuestDigestDetailSerializer(GuestDigestOutputSerializer):
    text = serializers.SerializerMethodField(help_text=_("The e-mail text as the caller reads it (name, language)"))
    language = serializers.SerializerMethodField()

    class Meta(GuestDigestOutputSerializer.Meta):
        fields = [*GuestDigestOutputSerializer.Meta.fields, "text", "language"]

    def get_text(self, obj) -> str:
        return self.context["rendered"]["text"]

    def get_language(self, obj) -> str:
        return self.context["rendered"]["language"]


def _guest_schema():
    from workspaces.api.views import WORKSPACE_ID

    return WORKSPACE_ID


class GuestDigestViewSet(GuestWorkspaceMixin, viewsets.GenericViewSet):
    """The workspace's digests for its members: partner people read the sent ones, the vendor side every one."""

    schema_model = Digest
    serializer_class = GuestDigestOutputSerializer

    @extend_schema(parameters=[_guest_schema()])
    def list(self, request, workspace_id):
        page = self.paginate_queryset(digest_selectors.digests_for(access=self.access).select_related("workspace"))
        return self.get_paginated_response(GuestDigestOutputSerializer(page, many=True).data)

    @extend_schema(parameters=[_guest_schema()], responses=GuestDigestDetailSerializer)
    def retrieve(self, request, workspace_id, pk):
        digest = digest_selectors.digest_for(access=self.access, pk=pk)
        if digest is None:
            raise Http404(_("No such digest"))
        if isinstance(request.user, User):
            rendered = digest_outbox.render_mail(
                digest=digest,
                user=request.user,
                side=Side.VENDOR if self.access.is_vendor else Side.PARTNER,
                create_links=False,
            )
        else:  # an API key reads the text as written
            rendered = {"text": digest.body, "language": settings.LANGUAGE_CODE}
        return Response(GuestDigestDetailSerializer(digest, context={"rendered": rendered}).data)


class GuestSuggestionViewSet(GuestWorkspaceMixin, viewsets.GenericViewSet):
    """Open next best actions on the workspace's partnerships; partner people see and act on the ones
    addressed to their side (accept, dismiss with a reason, snooze; editors)."""

    schema_model = Suggestion
    serializer_class = SuggestionOutputSerializer

    def _suggestion(self, pk) -> Suggestion:
        suggestion = digest_selectors.suggestions_for(access=self.access).filter(pk=pk).first()
        if suggestion is None:
            raise Http404(_("No such suggestion"))
        return suggestion

    def _done(self, suggestion):
        suggestion.refresh_from_db()
        return Response(SuggestionOutputSerializer(suggestion).data)

    @extend_schema(parameters=[_guest_schema()])
    def list(self, request, workspace_id):
        page = self.paginate_queryset(digest_selectors.suggestions_for(access=self.access))
        return self.get_paginated_response(SuggestionOutputSerializer(page, many=True).data)

    @extend_schema(parameters=[_guest_schema()], request=None, responses=SuggestionOutputSerializer)
    def accept(self, request, workspace_id, pk):
        suggestion = self._suggestion(pk)
        org = self.workspace.organization
        nba_services.accept(org=org, actor=self.actor, suggestion=suggestion, access=self.access)
        return self._done(suggestion)

    @extend_schema(parameters=[_guest_schema()], request=DismissInputSerializer, responses=SuggestionOutputSerializer)
    def dismiss(self, request, workspace_id, pk):
        suggestion = self._suggestion(pk)
        checked = self.validated(DismissInputSerializer)
        nba_services.dismiss(
            org=self.workspace.organization,
            actor=self.actor,
            suggestion=suggestion,
            reason=checked["reason"],
            access=self.access,
        )
        return self._done(suggestion)

    @extend_schema(parameters=[_guest_schema()], request=SnoozeInputSerializer, responses=SuggestionOutputSerializer)
    def snooze(self, request, workspace_id, pk):
        suggestion = self._suggestion(pk)
        checked = self.validated(SnoozeInputSerializer)
        nba_services.snooze(
            org=self.workspace.organization,
            actor=self.actor,
            suggestion=suggestion,
            until=checked["until"],
            access=self.access,
        )
        return self._done(suggestion)
