"""The catalogue of event types integrators can subscribe to: data, one line per event type.

An event type is a `pom.hooks.emit` event name with a description. Core events are declared here;
a higher app declares its own in its `<app>/events.py` as

    WEBHOOK_EVENTS = {"mdf.request_approved": _("An MDF request was approved")}

and nothing else is needed: `emit("mdf.request_approved", org=…, actor=…, request=…)` then reaches
every endpoint subscribed to it. The payload's model instances are serialised generically (their
concrete fields, foreign keys as ids, secrets and hashes left out), so a new event needs no serializer.
Events emitted but not declared anywhere are not sent.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pom import hooks

WEBHOOK_EVENTS = {
    "partner.created": _("A partner was added to the directory"),
    "partnership.created": _("A partner joined a program (a new partnership)"),
    "plan.validated": _("A mutual success plan was validated by both sides"),
    "plan.checkin_posted": _("A check-in was posted on a key result"),
    "plan.activity_done": _("An activity of a plan was completed"),
    "registration.submitted": _("A deal registration was submitted"),
    "registration.decided": _("A deal registration was approved or rejected"),
    "attribution.credited": _("Opportunity credit was recomputed (a new attribution ledger is live)"),
    "opportunity.credited": _("An opportunity's partner credit changed in a recomputation (new and previous lines)"),
    "assessment.answered": _("A relationship assessment was answered"),
}

PING = "webhook.ping"  # the "Send a test event" button; always delivered, never subscribable


def event_types() -> dict[str, str]:
    """Every subscribable event type and its description: core ones, then each app's `WEBHOOK_EVENTS`."""
    catalogue = dict(WEBHOOK_EVENTS)
    for module in hooks.app_modules("events"):
        catalogue.update(getattr(module, "WEBHOOK_EVENTS", {}))
    return dict(sorted(catalogue.items()))
