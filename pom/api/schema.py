"""drf-spectacular extensions that keep `/api/schema/` complete and warning-free for every app."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
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
