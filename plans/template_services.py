"""Writes on plan templates and plans built from them: validated, one transaction, audited."""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partnership
from plans.models import KeyResult, Objective, Plan, PlanTemplate
from plans.services import (
    _resolve_period,
    _unknown_fields,
    activity_create,
    key_result_create,
    objective_create,
    plan_create,
)
from pom.audit import Actor, create_instance, update_fields
from pom.common import same_org
from pom.models import Organization, User

TEMPLATE_FIELDS = {"name", "description", "kind", "duration_days", "phases", "content"}


def _validate_template_content(content: Any) -> None:
    if not isinstance(content, dict):
        raise ValidationError({"content": _("The outline must be an object with an “objectives” list.")})
    objectives = content.get("objectives", [])
    if not isinstance(objectives, list):
        raise ValidationError({"content": _("“objectives” must be a list.")})
    for index, objective in enumerate(objectives, 1):
        if not isinstance(objective, dict) or not str(objective.get("title", "")).strip():
            raise ValidationError({"content": _("Objective %(index)s needs a title.") % {"index": index}})
        for kr_index, kr in enumerate(objective.get("key_results", []), 1):
            if not isinstance(kr, dict) or not str(kr.get("name", "")).strip():
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, key result %(kr_index)s needs a name.")
                        % {"index": index, "kr_index": kr_index}
                    }
                )
            if kr.get("unit", "count") not in KeyResult.Unit.values:
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, key result %(kr_index)s: unknown unit.")
                        % {"index": index, "kr_index": kr_index}
                    }
                )
        for act_index, act in enumerate(objective.get("activities", []), 1):
            if not isinstance(act, dict) or not str(act.get("title", "")).strip():
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, activity %(act_index)s needs a title.")
                        % {"index": index, "act_index": act_index}
                    }
                )


@transaction.atomic
def template_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    kind: str = Plan.Kind.CUSTOM,
    description: str = "",
    duration_days: int = 90,
    phases: list[str] | None = None,
    content: dict | None = None,
    is_default: bool = False,
) -> PlanTemplate:
    """Add a plan template to the organization's library. Audited."""
    content = content or {"objectives": []}
    _validate_template_content(content)
    if PlanTemplate.objects.for_org(org).filter(name=name).exists():
        raise ValidationError({"name": _("A template named “%(name)s” already exists.") % {"name": name}})
    template = PlanTemplate(
        organization=org,
        name=name,
        kind=kind,
        description=description,
        duration_days=duration_days,
        phases=list(phases or []),
        content=content,
        is_default=is_default,
    )
    return create_instance(org=org, actor=actor, instance=template)


@transaction.atomic
def template_update(*, org: Organization, actor: Actor, template: PlanTemplate, data: dict) -> PlanTemplate:
    """Edit a template (name, description, kind, duration, phases, outline). Audited."""
    _unknown_fields(data, TEMPLATE_FIELDS)
    if "content" in data:
        _validate_template_content(data["content"])
    name = data.get("name")
    if name and PlanTemplate.objects.for_org(org).filter(name=name).exclude(pk=template.pk).exists():
        raise ValidationError({"name": _("A template named “%(name)s” already exists.") % {"name": name}})
    return update_fields(org=org, actor=actor, instance=template, data=data)


@transaction.atomic
def template_clone(*, org: Organization, actor: Actor, template: PlanTemplate, name: str = "") -> PlanTemplate:
    """Copy a template (e.g. a default one) under a new name so it can be adapted. Audited."""
    same_org(org, template, "template")
    if not name:
        name, n = f"{template.name} (copy)", 2
        while PlanTemplate.objects.for_org(org).filter(name=name).exists():
            name, n = f"{template.name} (copy {n})", n + 1
    return template_create(
        org=org,
        actor=actor,
        name=name,
        kind=template.kind,
        description=template.description,
        duration_days=template.duration_days,
        phases=list(template.phases),
        content=copy.deepcopy(template.content),
    )


def _due(start: datetime.date, end: datetime.date, offset: Any) -> datetime.date | None:
    if offset in (None, ""):
        return None
    return min(end, start + datetime.timedelta(days=int(offset)))


def _build_from_template(*, org: Organization, actor: Actor, plan: Plan, template: PlanTemplate) -> None:
    content = template.content or {}
    for o_index, spec in enumerate(content.get("objectives", []), 1):
        objective = objective_create(
            org=org,
            actor=actor,
            plan=plan,
            title=spec["title"],
            description=spec.get("description", ""),
            phase=spec.get("phase", "") if spec.get("phase", "") in plan.phases else "",
            weight=Decimal(str(spec.get("weight", 1))),
            responsible_side=spec.get("responsible_side", "both"),
            order=o_index,
        )
        for k_index, kr in enumerate(spec.get("key_results", []), 1):
            target = kr.get("target")
            key_result_create(
                org=org,
                actor=actor,
                objective=objective,
                name=kr["name"],
                unit=kr.get("unit", "count"),
                direction=kr.get("direction", "increase"),
                baseline=Decimal(str(kr.get("baseline", 0))),
                target=None if target in (None, "") else Decimal(str(target)),
                update_frequency=kr.get("update_frequency", "monthly"),
                responsible_side=kr.get("responsible_side", "both"),
                due_date=_due(plan.period_start, plan.period_end, kr.get("due_offset_days")),
                order=k_index,
            )
        _activities_from_outline(org=org, actor=actor, plan=plan, objective=objective, specs=spec.get("activities", []))
    _activities_from_outline(org=org, actor=actor, plan=plan, objective=None, specs=content.get("activities", []))


@transaction.atomic
def plan_create_from_template(
    *,
    org: Organization,
    actor: Actor,
    template: PlanTemplate,
    partnerships: list[Partnership],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    period: str | None = None,
    owner: User | None = None,
    name: str = "",
) -> list[Plan]:
    """Create one plan per partnership from a template, in ONE transaction: if any partnership is
    refused (ended, suspended, already has a plan of that name, another org's) nothing is created and
    the error names the partnership. Audited per row."""
    same_org(org, template, "template")
    if not partnerships:
        raise ValidationError({"partnerships": _("Choose at least one partnership.")})
    start, end = _resolve_period(
        org=org,
        period=period,
        period_start=period_start or (None if period else timezone.localdate()),
        period_end=period_end,
        duration_days=template.duration_days,
    )
    plan_name = name or template.name
    created = []
    for partnership in partnerships:
        try:
            same_org(org, partnership, "partnership")
            if Plan.objects.for_org(org).filter(partnership=partnership, name=plan_name).exists():
                raise ValidationError(
                    {"name": _("it already has a plan named “%(plan_name)s”") % {"plan_name": plan_name}}
                )
            plan = plan_create(
                org=org,
                actor=actor,
                partnership=partnership,
                name=plan_name,
                kind=template.kind,
                period_start=start,
                period_end=end,
                owner=owner,
                description=template.description,
                phases=list(template.phases),
            )
            plan.template = template
            plan.save(update_fields=["template", "updated_at"])
            _build_from_template(org=org, actor=actor, plan=plan, template=template)
        except ValidationError as error:
            text = " ".join(error.messages)
            raise ValidationError(
                {
                    "partnerships": _("%(partnership)s: %(rstrip)s. Nothing was created.")
                    % {"partnership": partnership, "rstrip": text.rstrip(".")}
                }
            ) from None
        created.append(plan)
    return created


def _activities_from_outline(*, org, actor, plan: Plan, objective: Objective | None, specs: list[dict]) -> None:
    """Create a template outline's activities on `plan` (quick actions when `objective` is None)."""
    for a_index, act in enumerate(specs, 1):
        activity_create(
            org=org,
            actor=actor,
            plan=plan,
            objective=objective,
            title=act["title"],
            type=act.get("type", "other"),
            owner_side=act.get("owner_side", "vendor"),
            due_date=_due(plan.period_start, plan.period_end, act.get("due_offset_days")),
            order=a_index,
        )
