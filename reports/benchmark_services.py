"""Benchmark writes (issue 10): goals and the maturity self-assessment, validated and audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pom.audit import create_instance, update_fields
from pom.models import MATURITY_DIMENSIONS, Maturity, Organization, User
from pom.services import organization_update
from reports.benchmark_models import BenchmarkGoal
from reports.benchmarks.catalogue import BY_CODE


@transaction.atomic
def benchmark_goal_set(*, org: Organization, actor, metric: str, target, basis: str = "") -> BenchmarkGoal:
    """Record (or move) the organization's target for one catalogue metric."""
    if metric not in BY_CODE:
        raise ValidationError({"metric": _("Unknown metric %(m)s.") % {"m": metric}})
    try:
        value = Decimal(str(target).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"target": _("Enter a number, e.g. 35 or 12000.")}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({"target": _("The target must be a number of at least 0.")})
    goal = BenchmarkGoal.objects.for_org(org).select_for_update().filter(metric=metric).first()
    if goal is None:
        return create_instance(
            org=org,
            actor=actor,
            instance=BenchmarkGoal(
                organization=org,
                metric=metric,
                target=value,
                basis=basis[:200],
                set_by=actor if isinstance(actor, User) else None,
            ),
        )
    return update_fields(org=org, actor=actor, instance=goal, data={"target": value, "basis": basis[:200]})


def maturity_update(*, org: Organization, actor, levels: dict) -> Organization:
    """Save the crawl / walk / run self-assessment (only the four maturity fields)."""
    data = {}
    for field in MATURITY_DIMENSIONS:
        level = levels.get(field, "")
        if level not in ("", *Maturity.values):
            raise ValidationError({field: _("Choose crawl, walk or run.")})
        data[field] = level
    return organization_update(org=org, actor=actor, data=data)


# The next step per dimension and level (our wording; the model is team → function → whole business).
NEXT_STEPS = {
    "maturity_strategy": {
        "": _("Answer where you stand first: is partnering a team's project, a function, or how the business grows?"),
        "crawl": _(
            "Write one partner strategy with objectives that partners see, instead of separate bilateral deals."
        ),
        "walk": _(
            "Tie the partner objectives to company objectives and review them jointly with partners each quarter."
        ),
        "run": _(
            "Keep it alive: align every business unit on the same partner objectives and review them at board level."
        ),
    },
    "maturity_data": {
        "": _("Answer where you stand first: is partner data kept in spreadsheets, one system, or shared end to end?"),
        "crawl": _(
            "Record every partner-touched deal in one place, with the partner's role, so revenue can be traced."
        ),
        "walk": _("Share pipeline and results with partners in a common workspace and agree on sourced vs influenced."),
        "run": _("Benchmark continuously: compare partners and programmes with peers and act on the gaps."),
    },
    "maturity_technology": {
        "": _("Answer where you stand first: e-mail and files, a partner system, or systems connected to each other?"),
        "crawl": _("Move partner records, plans and deal registration out of e-mail into one partner system."),
        "walk": _("Connect the partner system with CRM so deals and credit flow without re-typing."),
        "run": _("Automate the routine (digests, next steps, tier reviews) so people spend time with partners."),
    },
    "maturity_way_of_working": {
        "": _("Answer where you stand first: do partner managers work alone, as a function, or with every team?"),
        "crawl": _("Give each important partner a mutual plan with owners on both sides and regular check-ins."),
        "walk": _("Run quarterly business reviews with partners and involve sales, marketing and product."),
        "run": _("Make partnering part of every team's routine, with shared goals and incentives across functions."),
    },
}
