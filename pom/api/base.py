"""Tenant-scoped DRF building blocks shared by every app's API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from pom import security, sso
from pom.api.auth import ApiKeyPrincipal
from pom.api.pagination import Pagination  # noqa: F401  (re-exported)
from pom.api.serializers import JobOutputSerializer
from pom.models import Organization, OrgOwned, Role, User, role_at_least
from pom.tenancy import REQUIRED_ROLES, org_access

DEFAULT_REQUIRED_ROLES = REQUIRED_ROLES  # one role map for pages and API (pom.tenancy)


def resolve_api_org(request, org_slug: str) -> tuple[Organization, str]:
    """The organization named in the URL and the caller's role in it, or 404."""
    access = org_access(request.user, org_slug)
    if access.membership is None:  # an API key: no SSO or second factor to ask for
        return access.organization, access.role
    membership, user = access.membership, request.user
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
            if isinstance(request.user, ApiKeyPrincipal) and not getattr(view, "api_keys_allowed", True):
                self.message = gettext("API keys cannot use this endpoint: it lists the organization's people.")
                return False
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


class StrictInputMixin:
    """`validated()`: the one way an API view reads a request body."""

    def validated(self, serializer_class, *, partial: bool = False, instance=None, data=None) -> dict:
        """The request body checked by `serializer_class`, strictly: unknown fields are refused (400).

        A misspelt field is an integrator's bug that would otherwise be silently ignored.
        """
        data = self.request.data if data is None else data
        context = self.get_serializer_context() if hasattr(self, "get_serializer_context") else {}
        serializer = serializer_class(instance, data=data, partial=partial, context=context)
        if isinstance(data, dict):
            writable = {name for name, field in serializer.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable and key != "csrfmiddlewaretoken")
            if unknown:
                raise exceptions.ValidationError({key: [gettext("Unknown field.")] for key in unknown})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class OrgMixin(StrictInputMixin, AtomicWritesMixin):
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

    def person(self, message: str) -> User:
        """The signed-in person making the request; 403 with `message` for an API key.

        For writes that belong to a person (an answer of theirs, a comment, a subscription they own).
        """
        if not isinstance(self.actor, User):
            raise exceptions.PermissionDenied(message)
        return self.actor

    def get_serializer_context(self):
        parent = getattr(super(), "get_serializer_context", None)  # plain APIViews have none
        base = parent() if parent else {"request": self.request, "view": self}
        return {**base, "org": self.org}


class OrgViewSet(OrgMixin, viewsets.GenericViewSet):
    """Owns tenant scoping. Subclasses set `model`; never override get_queryset."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]
    model: type[OrgOwned]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no org
            return self.model.objects.none()
        return self.model.objects.for_org(self.org)


class ServiceWrites(StrictInputMixin):
    """The service-write declaration of `ServiceWriteViewSet` (below), for any viewset: the hooks, their
    routes, the derived schema and the answers. A viewset outside an organization's URL (a partner
    person's workspace) mixes it in and says where its written rows are re-read: `output_queryset()`.
    """

    input_serializer_class: type[serializers.Serializer] | None = None
    update_serializer_class: type[serializers.Serializer] | None = None
    output_serializer_class: type[serializers.Serializer]
    create_status = status.HTTP_201_CREATED
    create_responses: dict | None = None  # the documented create answers, when not {create_status: output}
    create_output_serializer_class: type[serializers.Serializer] | None = None  # the create's answer, if not output
    allow_put = True  # False: updates are PATCH only
    patch_partial = True  # False: PATCH needs the same fields as PUT
    put_partial = False  # True: PUT changes only the fields it names, as PATCH does
    _rereading = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        out = getattr(cls, "output_serializer_class", None)
        if out is None:
            return
        # Only the writes a subclass declares are routed: the router maps a method when the attribute exists.
        routed = {
            "create": "create_object",
            "update": "update_object",
            "partial_update": "update_object",
            "destroy": "delete_object",
        }
        if not cls.allow_put:
            del routed["update"]
        for action_name, hook in routed.items():
            if getattr(cls, hook, None) is not None and action_name not in cls.__dict__:
                setattr(cls, action_name, _routed(action_name, doc=getattr(cls, hook).__doc__))
        update_in = cls.update_serializer_class or cls.input_serializer_class
        documented = {}
        if getattr(cls, "create_object", None) is not None:
            responses = cls.create_responses or {cls.create_status: cls.create_output_serializer_class or out}
            documented["create"] = extend_schema(request=cls.input_serializer_class, responses=responses)
        if getattr(cls, "update_object", None) is not None:
            if cls.allow_put:
                documented["update"] = extend_schema(request=update_in, responses=out)
            documented["partial_update"] = extend_schema(request=update_in, responses=out)
        if documented:
            extend_schema_view(**documented)(cls)

    create_object = None
    update_object = None
    delete_object = None

    def get_serializer_class(self):
        return getattr(self, "serializer_class", None) or self.output_serializer_class

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset if self._rereading else self.filter_request(queryset)

    def filter_request(self, queryset):
        """Narrow a read by query parameters read by hand (what a filter backend cannot say).

        Skipped when `answer()` re-reads a written row, as the filter backends are.
        """
        return queryset

    def output_queryset(self):
        """Where `answer()` re-reads a written row: the endpoint's reads without the request's filters."""
        self.filter_backends, self._rereading = [], True
        return self.filter_queryset(self.get_queryset())

    def answer(self, obj, code=status.HTTP_200_OK, serializer_class=None, context=None) -> Response:
        """The written row, re-read through the endpoint's annotations but not the request's filters.

        `context` adds to the serializer's context what only the write knows (a secret shown once).
        """
        obj = self.output_queryset().get(pk=obj.pk)
        serializer_class = serializer_class or self.output_serializer_class
        context = {**self.get_serializer_context(), **(context or {})}
        return Response(serializer_class(obj, context=context).data, status=code)

    def answer_job(self, job) -> Response:
        """A queued background job (`pom.jobs`), answered 202 Accepted with the job to poll."""
        return Response(
            JobOutputSerializer(job, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED
        )


class ServiceWriteViewSet(ServiceWrites, OrgViewSet):
    """The one service-write base: Input serializer -> service -> Output serializer.

    Reads (list, retrieve; `ServiceViewSet`) come from the scoped queryset through `filter_queryset`.
    Writes are opted into by defining the hooks, each calling the app's service:

    - `create_object(data)` -> POST on the list (answers `create_status`, 201 unless set);
    - `update_object(obj, data)` -> PUT and PATCH on the detail (`update_serializer_class` if set);
    - `delete_object(obj)` -> DELETE on the detail (204).

    Bodies are checked strictly by `validated()`; the answer is re-read by `answer()` with the
    endpoint's annotations but WITHOUT the request's filters (the filter backends and
    `filter_request()`), so `POST …?status=inactive` answers the row it wrote instead of failing
    after the write. Subclasses declare; the schema (request serializer, response serializer and
    status) is derived from the declaration.

    Also declared rather than written:
    - a create hook that returns None answers 204 No Content (nothing to show, e.g. a target cleared);
      `create_responses` documents such answers when they differ from `{create_status: output}`;
    - `patch_partial = False`: PATCH checks the body whole (a service that needs every field);
      `put_partial = True`: PUT changes only what it names;
    - `single_object()`: the endpoint is one row of the organization (its security policy, say),
      read and updated without an id in the URL;
    - `answer_job(job)`: an action that queues a background job answers 202 with the job to poll;
    - `create_output_serializer_class`: the create answers with another serializer, its context
      completed by the hook through `self.answer_context` (a secret shown once).
    """

    single_object = None

    def get_object(self):
        if self.single_object is None:
            return super().get_object()
        obj = self.single_object()
        self.check_object_permissions(self.request, obj)
        return obj

    def run_bulk(self, upsert, *, serializer_class, key: str) -> Response:
        """A bulk upsert: body is a list of items or `{key: [...]}`; all valid or nothing saved (400 per index)."""
        payload = self.request.data if isinstance(self.request.data, list) else None
        if payload is None and isinstance(self.request.data, dict):
            extra = sorted(str(name) for name in self.request.data if name != key)
            if extra:
                raise exceptions.ValidationError({name: [gettext("Unknown field.")] for name in extra})
            payload = self.request.data.get(key)
        serializer = serializer_class(data={key: payload}, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        result = upsert(org=self.org, actor=self.actor, items=serializer.validated_data[key])
        if result["errors"]:
            raise exceptions.ValidationError({str(index): fields for index, fields in result["errors"].items()})
        return Response({"created": result["created"], "updated": result["updated"]})


def _routed(action_name: str, *, doc: str | None):
    """A fresh handler per class, so each class's schema decorations stay its own; the hook's
    docstring describes the operation in the schema."""
    handler = getattr(_WriteHandlers, action_name)

    def routed(self, request, *args, **kwargs):
        return handler(self, request, *args, **kwargs)

    routed.__name__, routed.__doc__ = action_name, doc
    return routed


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceWriteViewSet):
    """`ServiceWriteViewSet` with its reads: list and detail from the scoped queryset (`filter_queryset`).

    Most endpoints are this; `ServiceWriteViewSet` alone is an endpoint that only takes writes (a
    decision recorded with POST), so no read route is added to the API.
    """


class _WriteHandlers:
    """The write handlers `ServiceViewSet` routes when a subclass defines the matching hook."""

    def create(self, request, *args, **kwargs):
        data = self.validated(self.input_serializer_class) if self.input_serializer_class else {}
        obj = self.create_object(data)
        if obj is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        # A hook may leave `self.answer_context` for its answer (e.g. a secret shown only on create).
        context = getattr(self, "answer_context", None)
        return self.answer(obj, self.create_status, self.create_output_serializer_class, context)

    def update(self, request, *args, partial: bool | None = None, **kwargs):
        partial = self.put_partial if partial is None else partial
        obj = self.get_object()
        data = self.validated(self.update_serializer_class or self.input_serializer_class, partial=partial)
        return self.answer(self.update_object(obj, data))

    def partial_update(self, request, *args, **kwargs):
        return _WriteHandlers.update(self, request, *args, partial=self.patch_partial, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.delete_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


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
