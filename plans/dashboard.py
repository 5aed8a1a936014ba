"""Dashboard cards for the organization's home (see pom.hooks)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from plans import rules
from plans.models import Activity, Plan
from plans.selectors import behind_plan_ids
from pom.models import Organization


def dashboard_cards(*, org: Organization) -> list[dict]:
    """Plans with a key result behind, and overdue activities on open plans."""
    url = reverse("plans:portfolio", kwargs={"org_slug": org.slug})
    behind = len(behind_plan_ids(org=org))
    open_plans = Plan.objects.for_org(org).exclude(status=Plan.Status.CLOSED).count()
    overdue = (
        Activity.objects.for_org(org)
        .exclude(plan__status=Plan.Status.CLOSED)
        .filter(status__in=rules.OPEN_ACTIVITY_STATUSES, due_date__lt=timezone.localdate())
        .count()
    )
    return [
        {"title": "Plans behind", "value": behind, "url": f"{url}?behind=true", "hint": f"of {open_plans} open plans"},
        {"title": "Overdue activities", "value": overdue, "url": url, "hint": "past due, not done"},
    ]
