"""Reactions to events of lower apps: a change that moves a score schedules a debounced recompute of
that partnership (`reports.services.scores_request` with a countdown; requests while one is queued join it).
"""

from __future__ import annotations

from django.db import transaction

from reports import services

PLAN_EVENTS = ("plan.checkin_posted", "plan.activity_done", "plan.validated")


def _partnership_id(event: str, payload: dict) -> int | None:
    if event in PLAN_EVENTS:
        plan = payload.get("plan")
        return getattr(plan, "partnership_id", None)
    if event == "assessment.answered":
        partnership = payload.get("partnership")
        return getattr(partnership, "pk", partnership)
    return None


# Writes that move a dashboard figure: the summary tables are refreshed, debounced (reports.summary).
SUMMARY_EVENTS = (
    "attribution.credited",
    "partnership.created",
    "tier.changed",
    "certification.created",
    "registration.decided",
    *PLAN_EVENTS,
)


def handle(event: str, **payload) -> None:
    if event in SUMMARY_EVENTS and payload.get("org") is not None:
        from reports import summary

        summary.summary_changed(org=payload["org"])
    pid = _partnership_id(event, payload)
    if pid is None:
        return
    with transaction.atomic():
        services.scores_request(
            org=payload["org"], actor=payload.get("actor"), partnership_ids=[pid], countdown=services.DEBOUNCE_SECONDS
        )
