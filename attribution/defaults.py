"""Per-organization defaults: the influence-type list, the attribution settings row, the standard
account-mapping populations."""

from __future__ import annotations

from django.utils.text import slugify

from attribution.models import AttributionConfig, InfluenceType

DEFAULT_INFLUENCE_TYPES = [
    "Co-sell call",
    "Integration in place",
    "Intel shared",
    "RFP support",
    "Recommendation",
    "Introduced a decision maker",
    "Discovery help",
    "Proof of concept or demo",
    "Customer warning on renewal",
    "Other",
]


def org_defaults(*, org) -> None:
    """Seed the influence types and the attribution settings of a new organization. Safe to run twice."""
    existing = set(InfluenceType.objects.for_org(org).values_list("slug", flat=True))
    InfluenceType.objects.bulk_create(
        [
            InfluenceType(organization=org, name=name, slug=slugify(name), order=index)
            for index, name in enumerate(DEFAULT_INFLUENCE_TYPES)
            if slugify(name) not in existing
        ]
    )
    AttributionConfig.objects.get_or_create(organization=org)
    from attribution.solutions import solution_template_default

    solution_template_default(org=org)
    from attribution.mapping_services import population_defaults

    population_defaults(org=org)
