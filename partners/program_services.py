"""Writes on programs (ways of partnering) and their tiers.

Every write validates, runs in one transaction and is audited through `pom.audit`.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from partners.models import Program, Tier
from pom.audit import Actor, create_instance, delete_instance, update_fields
from pom.common import check_same_org
from pom.models import Organization


def _check_program_name(org: Organization, name: str, exclude_pk: int | None = None) -> None:
    if Program.objects.for_org(org).filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": gettext("A program named “%(name)s” already exists.") % {"name": name}})


def _check_rate(program: Program) -> None:
    if program.compensation_model != Program.Compensation.NONE and program.rate is None:
        raise ValidationError({"rate": gettext("Give the percentage or the fee per converted lead.")})
    percent = program.compensation_model == Program.Compensation.PERCENT
    if percent and program.rate is not None and not 0 <= program.rate <= 100:
        raise ValidationError({"rate": gettext("A percentage must be between 0 and 100.")})
    if program.rate is not None and program.rate < 0:
        raise ValidationError({"rate": gettext("The fee cannot be negative.")})


@transaction.atomic
def program_create(*, org: Organization, actor: Actor, name: str, kind: str, **fields: Any) -> Program:
    """Create a program (way of partnering). Audited."""
    name = (name or "").strip()
    _check_program_name(org, name)
    program = Program(organization=org, name=name, kind=kind, **fields)
    _check_rate(program)
    return create_instance(org=org, actor=actor, instance=program)


@transaction.atomic
def program_update(*, org: Organization, actor: Actor, program: Program, data: dict[str, Any]) -> Program:
    """Change a program. Audited."""
    data = {k: v for k, v in data.items() if k != "organization"}
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        _check_program_name(org, data["name"], exclude_pk=program.pk)
    # Check the rate on a copy: `update_fields` snapshots the program before it sets the new values.
    candidate = copy.copy(program)
    for key, value in data.items():
        setattr(candidate, key, value)
    _check_rate(candidate)
    return update_fields(org=org, actor=actor, instance=program, data=data)


@transaction.atomic
def program_delete(*, org: Organization, actor: Actor, program: Program) -> None:
    """Delete a program that has no partnerships (end or move them first). Audited."""
    count = program.partnerships.count()
    if count:
        raise ValidationError(
            {
                "program": gettext("%(name)s still has %(count)s partnership(s); end them or deactivate the program.")
                % {"name": program.name, "count": count}
            }
        )
    delete_instance(org=org, actor=actor, instance=program)


def _clean_benefits(benefits) -> list[str]:
    if benefits is None:
        return []
    if isinstance(benefits, str):
        benefits = benefits.splitlines()
    return [str(b).strip() for b in benefits if str(b).strip()]


def _check_tier_unique(org: Organization, program: Program, name: str, rank: int, exclude_pk=None) -> None:
    siblings = Tier.objects.for_org(org).filter(program=program).exclude(pk=exclude_pk)
    if siblings.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": gettext("%(name)s already has a tier named “%(name2)s”.") % {"name": program.name, "name2": name}}
        )
    if siblings.filter(rank=rank).exists():
        raise ValidationError(
            {"rank": gettext("%(name)s already has a tier of rank %(rank)s.") % {"name": program.name, "rank": rank}}
        )


def _check_thresholds(org: Organization, tier: Tier) -> None:
    from partners.tiers import check_tier_thresholds  # tiers imports points, which reads this module's models

    siblings = list(Tier.objects.for_org(org).filter(program_id=tier.program_id).exclude(pk=tier.pk))
    check_tier_thresholds(tier=tier, siblings=siblings)


@transaction.atomic
def tier_create(
    *, org: Organization, actor: Actor, program: Program, name: str, rank: int | None = None, **fields: Any
) -> Tier:
    """Add a tier to a program; rank defaults to one above the highest. Audited."""
    check_same_org(org, program=program)
    if rank is None:
        rank = (program.tiers.aggregate(m=Max("rank"))["m"] or 0) + 1
    name = (name or "").strip()
    _check_tier_unique(org, program, name, rank)
    fields["benefits"] = _clean_benefits(fields.get("benefits"))
    tier = Tier(organization=org, program=program, name=name, rank=rank, **fields)
    _check_thresholds(org, tier)
    return create_instance(org=org, actor=actor, instance=tier)


@transaction.atomic
def tier_update(*, org: Organization, actor: Actor, tier: Tier, data: dict[str, Any]) -> Tier:
    """Change a tier (not its program). Audited."""
    data = {k: v for k, v in data.items() if k not in ("organization", "program")}
    if "benefits" in data:
        data["benefits"] = _clean_benefits(data["benefits"])
    _check_tier_unique(
        org, tier.program, (data.get("name") or tier.name).strip(), data.get("rank", tier.rank), exclude_pk=tier.pk
    )
    proposed = copy.copy(tier)  # check the new values without touching the instance the audit snapshots
    for key, value in data.items():
        setattr(proposed, key, value)
    _check_thresholds(org, proposed)
    return update_fields(org=org, actor=actor, instance=tier, data=data)


@transaction.atomic
def tier_delete(*, org: Organization, actor: Actor, tier: Tier) -> None:
    """Delete a tier; partnerships on it keep their program and lose the tier. Audited."""
    delete_instance(org=org, actor=actor, instance=tier)
