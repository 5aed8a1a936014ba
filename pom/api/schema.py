"""drf-spectacular extensions that keep `/api/schema/` complete and warning-free for every app."""

from collections import Counter

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.relations import RelatedField


class PrimaryKeyFieldExtension(OpenApiSerializerFieldExtension):
    """Primary-key fields whose queryset is only known per request (`get_queryset`) are integers.

    Fields such as `OrgScopedPK` or a "person" field resolve their queryset from the request's
    organization, so the schema generator cannot read the model off them. Every POM primary key
    is a BigAutoField, so they are documented as integers; fields with a static queryset keep
    drf-spectacular's own mapping.
    """

    target_class = "rest_framework.relations.PrimaryKeyRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        static = type(self.target).get_queryset is RelatedField.get_queryset
        if static and getattr(self.target, "queryset", None) is not None:
            return auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return build_basic_type(OpenApiTypes.INT)


LOCAL_APPS = ("pom", "partners", "plans", "attribution", "workspaces", "reports")
MAX_ENUM_CHOICES = 50  # time zones and the like are plain strings in the schema, not named enums


def colliding_enum_names() -> dict[str, list[tuple[str, str]]]:
    """Names for model choice sets that share a field name across models (`status`, `kind`, `role`…).

    drf-spectacular names an enum after its field and warns when two different choice sets
    share that name; giving each set its model's name ("PartnerStatusEnum", "PlanStatusEnum")
    keeps the schema stable and warning-free as apps add models. One name per choice set.
    """
    from django.apps import apps

    sets_by_field: dict[str, dict[tuple, str]] = {}
    labelled: dict[tuple, list[tuple[str, str]]] = {}
    uses: Counter = Counter()  # (choice set, field name) -> how many model fields
    for model in apps.get_models():
        if model._meta.app_label not in LOCAL_APPS:
            continue
        for field in model._meta.concrete_fields:
            if not field.choices or len(field.choices) > MAX_ENUM_CHOICES:
                continue
            values = tuple(sorted(str(value) for value, _label in field.flatchoices))  # order-blind, as drf-spectacular
            # drf-spectacular matches overrides on (value, label) pairs, so labels must come along.
            labelled.setdefault(values, [(value, str(label)) for value, label in field.flatchoices])
            uses[values, field.name] += 1
            camel = "".join(part.capitalize() for part in field.name.split("_"))
            sets_by_field.setdefault(field.name, {}).setdefault(values, f"{model.__name__}{camel}Enum")
    overrides: dict[str, list[tuple[str, str]]] = {}
    named: set[tuple] = set()
    for sets in sets_by_field.values():
        if len(sets) < 2:
            continue
        for values, name in sets.items():
            if values not in named:
                named.add(values)
                overrides[name] = labelled[values]
    # One choice set under several field names (`side`, `via`…): one name, the most used field's.
    fields_by_set: dict[tuple, set[str]] = {}
    for field_name, sets in sets_by_field.items():
        for values in sets:
            fields_by_set.setdefault(values, set()).add(field_name)
    for values, field_names in fields_by_set.items():
        if len(field_names) > 1 and values not in named:
            common = max(sorted(field_names), key=lambda n: uses[values, n])
            name = "".join(part.capitalize() for part in common.split("_")) + "Enum"
            if name not in overrides:
                named.add(values)
                overrides[name] = labelled[values]
    return overrides


def install_enum_name_overrides() -> None:
    """Add `colliding_enum_names()` to SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (explicit entries win)."""
    from drf_spectacular.settings import spectacular_settings

    explicit = dict(spectacular_settings.ENUM_NAME_OVERRIDES)
    taken = {tuple(str(v) for v in _values(choices)) for choices in explicit.values()}
    auto = {
        name: choices
        for name, choices in colliding_enum_names().items()
        if tuple(str(value) for value, _label in choices) not in taken
    }
    spectacular_settings.ENUM_NAME_OVERRIDES = {**auto, **explicit}


def _values(choices) -> list:
    from django.db.models import Choices
    from django.utils.module_loading import import_string

    if isinstance(choices, str):
        choices = import_string(choices)
    if isinstance(choices, type) and issubclass(choices, Choices):
        return list(choices.values)
    return [c[0] if isinstance(c, list | tuple) else c for c in choices]


class ErrorOutputSerializer(serializers.Serializer):
    """The body of every API error (pom.api.base.exception_handler, pom.middleware.ApiJsonErrorsMiddleware)."""

    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Field errors, on 400 only.")


ERROR_RESPONSES = {
    "400": "Invalid input: `errors` names each field (or item index) and what is wrong.",
    "401": "No credentials, or an unknown, revoked or expired API key.",
    "403": "The caller's role or key scope is too low for this operation.",
    "404": "No such organization, object or path for this caller (another tenant's objects included).",
    "429": "Too many requests; retry after the `Retry-After` seconds.",
}


class PomAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus what POM guarantees on every operation.

    - Every operation documents the error answers 400, 401, 403, 404 and 429 with the one error body.
    - An endpoint without a docstring of its own is not described by the base it inherits from.
    - A read-only field with `default=None` (a name read through a nullable relation) is nullable.
    - Responses promise no input patterns (a slug's regex): they answer stored values, and a
      pattern is a rule for what POM accepts, checked on requests.
    """

    def get_description(self):
        """The operation's or its endpoint's docstring, never a shared base's (they are about POM's code)."""
        from drf_spectacular.plumbing import get_doc

        from pom.api import base

        description = super().get_description()
        bases = (base.ServiceViewSet, base.ServiceWriteViewSet, base.ServiceWrites, base.OrgViewSet)
        shared = {get_doc(cls) for cls in bases}
        return "" if description in shared else description

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            for prop in schema.get("properties", {}).values():
                prop.pop("pattern", None)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorOutputSerializer, code, direction=direction)
                responses[code] = {**response, "description": description}
        return responses

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "read_only", False) and getattr(field, "default", empty) is None:
            meta["nullable"] = True
        return meta
