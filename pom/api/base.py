"""Tenant-scoped DRF building blocks shared by every app's API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pom import security, sso
from pom.api.auth import ApiKeyPrincipal
from pom.api.pagination import Pagination  # noqa: F401  (re-exported)
from pom.models import Membership, Organization, OrgOwned, Role, role_at_least

DEFAULT_REQUIRED_ROLES = {
    "GET": Role.VIEWER,
    "HEAD": Role.VIEWER,
    "OPTIONS": Role.VIEWER,
    "POST": Role.MANAGER,
    "PUT": Role.MANAGER,
    "PATCH": Role.MANAGER,
    "DELETE": Role.MANAGER,
}


def resolve_api_org(request, org_slug: str) -> tuple[Organization, str]:
    """The organization named in the URL and the caller's role in it, or 404."""
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        if user.organization.slug != org_slug:
            raise Http404(_("No such organization"))
        return user.organization, user.role
    membership = (
        Membership.objects.select_related("organization", "organization__security")
        .filter(user=user, organization__slug=org_slug)
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404(_("No such organization"))
    if sso.sso_missing(request, membership):
        raise DjangoPermissionDenied(sso.sso_message(membership))
    if security.mfa_missing(user, membership):
        raise DjangoPermissionDenied(security.mfa_message(membership))
    return membership.organization, membership.role


class HasOrgRole(permissions.BasePermission):
    """Reads the view's `required_roles` map ({method: role}); 403 with a reason when too low."""

    def has_permission(self, request, view) -> bool:
        required = {**DEFAULT_REQUIRED_ROLES, **getattr(view, "required_roles", {})}.get(request.method, Role.ADMIN)
        role = view.org_role
        if role_at_least(role, required):
            return True
        if isinstance(request.user, ApiKeyPrincipal):
            if request.user.role == Role.VIEWER and required == Role.MANAGER:
                self.message = "This API key has read scope; writing needs a key with write scope."
            else:
                self.message = f"API keys cannot use this endpoint: it needs the {required} role."
        else:
            self.message = f"This needs the {required} role in the organization."
        return False


class AtomicWritesMixin:
    """Writes (every method but GET, HEAD, OPTIONS) run in one transaction with their answer.

    When the view fails after a service has written (an error response or an exception), the write is
    undone: a write either answers its result or writes nothing.
    """

    _write_began = False

    def dispatch(self, request, *args, **kwargs):
        if request.method in permissions.SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            # Refusals before the view ran (authentication, role, throttling) keep what authentication
            # recorded (a key's last use); anything after the view began is undone.
            if self._write_began and response.status_code >= 400:
                transaction.set_rollback(True)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._write_began = True


class OrgMixin(AtomicWritesMixin):
    """Resolves `self.org` and `self.org_role` from the URL's `org_slug`; writes are atomic."""

    @cached_property
    def _org_and_role(self) -> tuple[Organization, str]:
        return resolve_api_org(self.request, self.kwargs["org_slug"])

    @property
    def org(self) -> Organization:
        return self._org_and_role[0]

    @property
    def org_role(self) -> str:
        return self._org_and_role[1]

    @property
    def actor(self):
        """The audit actor: the user, or the API key for key requests."""
        if isinstance(self.request.user, ApiKeyPrincipal):
            return self.request.user.key
        return self.request.user

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "org": self.org}


class OrgViewSet(OrgMixin, viewsets.GenericViewSet):
    """Owns tenant scoping. Subclasses set `model`; never override get_queryset."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]
    model: type[OrgOwned]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no org
            return self.model.objects.none()
        return self.model.objects.for_org(self.org)


class OrgScopedPK(serializers.PrimaryKeyRelatedField):
    """A foreign key in input, looked up inside the request's organization only."""

    def get_queryset(self):
        return super().get_queryset().for_org(self.context["org"])


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Every error body has the same shape: status, code, detail, and field errors if any.

    Django `ValidationError`s raised by services become 400s naming their fields.
    """
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {
            "status": response.status_code,
            "code": "invalid",
            "detail": _("Invalid input: %(flatten)s") % {"flatten": _flatten(errors)},
            "errors": errors,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = {
            "status": response.status_code,
            "code": codes if isinstance(codes, str) else "error",
            "detail": _flatten(detail),
        }
    headers = {k: v for k, v in response.headers.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response(body, status=response.status_code, headers=headers)
