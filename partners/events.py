"""Points awarded automatically from events POM records (see `pom.hooks.emit` for the payloads).

- "certification.created": a certification rule, for each partnership of the certified partner;
- "plan.validated": a plan-validated rule, for the plan's partnership;
- "plan.activity_done": training -> training completed, event or campaign -> co-marketing event held,
  content -> case study published;
- "opportunity.won": a deal-won rule (points per amount), for each partnership on the deal.
Each award names its source, so an event delivered twice awards once. Cheap: rows only.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partners import points
from partners.models import Partnership, PointActivity
from pom import hooks

ACTIVITY_TYPES = {
    "training": PointActivity.TRAINING,
    "event": PointActivity.CO_MARKETING,
    "campaign": PointActivity.CO_MARKETING,
    "content": PointActivity.CASE_STUDY,
}


def handle(event: str, **payload) -> None:
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(**payload)


def _awarded(org, actor, entries):
    by_partnership: dict = {}
    for entry in entries:
        by_partnership.setdefault(entry.partnership, []).append(entry)
    for partnership, lines in by_partnership.items():
        hooks.emit("points.awarded", org=org, actor=actor, partnership=partnership, entries=lines)


def _certification_created(*, org, actor, certification, **_):
    partnerships = (
        Partnership.objects.for_org(org).filter(partner_id=certification.partner_id).select_related("program")
    )
    entries = points.points_award_for_event(
        org=org,
        partnerships=partnerships,
        activity=PointActivity.CERTIFICATION,
        source_key=f"certification:{certification.pk}",
        occurred_on=certification.issued_on,
        evidence=gettext("Certification “%(name)s”") % {"name": certification.name},
    )
    _awarded(org, actor, entries)


def _plan_validated(*, org, actor, plan, **_):
    entries = points.points_award_for_event(
        org=org,
        partnerships=[plan.partnership],
        activity=PointActivity.PLAN_VALIDATED,
        source_key=f"plan:{plan.pk}",
        occurred_on=timezone.localdate(),
        evidence=gettext("Plan “%(name)s” validated by both sides") % {"name": plan.name},
    )
    _awarded(org, actor, entries)


def _activity_done(*, org, actor, plan, activity, **_):
    activity_kind = ACTIVITY_TYPES.get(activity.type)
    if activity_kind is None:
        return
    entries = points.points_award_for_event(
        org=org,
        partnerships=[plan.partnership],
        activity=activity_kind,
        source_key=f"activity:{activity.pk}",
        occurred_on=timezone.localdate(),
        evidence=gettext("“%(title)s” done (%(plan)s)") % {"title": activity.title, "plan": plan.name},
    )
    _awarded(org, actor, entries)


def _opportunity_won(*, org, actor, opportunity, partnership_ids, **_):
    partnerships = Partnership.objects.for_org(org).filter(pk__in=list(partnership_ids)).select_related("program")
    entries = points.points_award_for_event(
        org=org,
        partnerships=partnerships,
        activity=PointActivity.DEAL_WON,
        source_key=f"opportunity:{opportunity.pk}",
        occurred_on=opportunity.closed_on or timezone.localdate(),
        evidence=gettext("Deal “%(name)s” won (%(amount)s %(currency)s)")
        % {"name": opportunity.name, "amount": f"{opportunity.amount:,.2f}", "currency": opportunity.currency},
        amount=opportunity.amount,
    )
    _awarded(org, actor, entries)


HANDLERS = {
    "certification.created": _certification_created,
    "plan.validated": _plan_validated,
    "plan.activity_done": _activity_done,
    "opportunity.won": _opportunity_won,
}

# Delivered to webhook endpoints subscribed to them (see docs/webhooks.md).
WEBHOOK_EVENTS = {
    "assessment.answered": _("A person answered an assessment (trust equation or health questionnaire)"),
}
