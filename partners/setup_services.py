"""Admin setup writes: the partner taxonomy (types, archetypes, segments) and journey templates' stages and steps.

Every write validates, runs in one transaction and is audited through `pom.audit`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext

from partners.models import Archetype, JourneyStage, JourneyStep, JourneyTemplate, Partnership, PartnerType, Segment
from pom.audit import Actor, create_instance, delete_instance, update_fields
from pom.common import check_same_org
from pom.models import Organization

TAXONOMY_MODELS = {"type": PartnerType, "archetype": Archetype, "segment": Segment}


def _taxonomy_model(kind: str):
    try:
        return TAXONOMY_MODELS[kind]
    except KeyError:
        raise ValidationError(
            {"kind": gettext("Unknown taxonomy “%(kind)s”: use type, archetype or segment.") % {"kind": kind}}
        ) from None


@transaction.atomic
def taxonomy_term_create(
    *, org: Organization, actor: Actor, kind: str, name: str, description: str = "", order: int | None = None
):
    """Add a partner type, archetype or segment. The slug comes from the name and is unique. Audited."""
    model = _taxonomy_model(kind)
    name = (name or "").strip()
    slug = slugify(name)[:80]
    if not slug:
        raise ValidationError({"name": gettext("Give a name.")})
    if model.objects.for_org(org).filter(slug=slug).exists():
        raise ValidationError({"name": gettext("“%(name)s” already exists.") % {"name": name}})
    if order is None:
        order = (model.objects.for_org(org).aggregate(m=Max("order"))["m"] or 0) + 1
    term = model(organization=org, name=name, slug=slug, description=description, order=order)
    return create_instance(org=org, actor=actor, instance=term)


@transaction.atomic
def taxonomy_term_update(*, org: Organization, actor: Actor, term, data: dict[str, Any]):
    """Rename or re-describe a term; its slug stays so imports and API clients keep working. Audited."""
    data = {k: v for k, v in data.items() if k in ("name", "description", "order")}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        clash = type(term).objects.for_org(org).filter(name__iexact=data["name"]).exclude(pk=term.pk)
        if clash.exists():
            raise ValidationError({"name": gettext("“%(data)s” already exists.") % {"data": data["name"]}})
    return update_fields(org=org, actor=actor, instance=term, data=data)


@transaction.atomic
def taxonomy_term_delete(*, org: Organization, actor: Actor, term) -> None:
    """Delete a term; partners lose the tag (types) or the value (archetype, segment). Audited."""
    delete_instance(org=org, actor=actor, instance=term)


@transaction.atomic
def journey_stage_create(
    *, org: Organization, actor: Actor, template: JourneyTemplate, name: str, description: str = ""
) -> JourneyStage:
    """Append a stage at the end of a journey template. Audited."""
    check_same_org(org, template=template)
    order = (template.stages.aggregate(m=Max("order"))["m"] or 0) + 1
    stage = JourneyStage(
        organization=org, template=template, name=(name or "").strip(), order=order, description=description
    )
    return create_instance(org=org, actor=actor, instance=stage)


@transaction.atomic
def journey_stage_update(*, org: Organization, actor: Actor, stage: JourneyStage, data: dict[str, Any]) -> JourneyStage:
    """Rename or re-describe a stage (its order and template stay). Audited."""
    data = {k: (v or "").strip() for k, v in data.items() if k in ("name", "description")}
    return update_fields(org=org, actor=actor, instance=stage, data=data)


@transaction.atomic
def journey_stage_delete(*, org: Organization, actor: Actor, stage: JourneyStage) -> None:
    """Delete a stage nobody is in (its steps and their ticks go with it). Audited."""
    count = Partnership.objects.for_org(org).filter(current_stage=stage).count()
    if count:
        raise ValidationError(
            {
                "stage": gettext("%(count)s partnership(s) are in %(name)s; move them first.")
                % {"count": count, "name": stage.name}
            }
        )
    delete_instance(org=org, actor=actor, instance=stage)


@transaction.atomic
def journey_step_create(
    *, org: Organization, actor: Actor, stage: JourneyStage, name: str, description: str = ""
) -> JourneyStep:
    """Append a step to a stage. Audited."""
    check_same_org(org, stage=stage)
    order = (stage.steps.aggregate(m=Max("order"))["m"] or 0) + 1
    step = JourneyStep(organization=org, stage=stage, name=(name or "").strip(), order=order, description=description)
    return create_instance(org=org, actor=actor, instance=step)


@transaction.atomic
def journey_step_update(*, org: Organization, actor: Actor, step: JourneyStep, data: dict[str, Any]) -> JourneyStep:
    """Rename or re-describe a step. Audited."""
    data = {k: (v or "").strip() for k, v in data.items() if k in ("name", "description")}
    return update_fields(org=org, actor=actor, instance=step, data=data)


@transaction.atomic
def journey_step_delete(*, org: Organization, actor: Actor, step: JourneyStep) -> None:
    """Delete a step; ticks recorded on it are removed with it. Audited."""
    delete_instance(org=org, actor=actor, instance=step)
