"""Attribution's event types for webhooks, and its reactions to events (see `pom.hooks.emit`).

- "attribution.credited" (a new credit ledger is live): commission accruals are recomputed when the
  organization has commission rules, so a deal that turned won (edited, synced from the CRM or
  imported) accrues its commission without waiting for the nightly run.
Cheap: after the commit, one query and a debounced job request; nothing computed inline.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

WEBHOOK_EVENTS = {
    "opportunity.won": _("A deal turned won (edited, synced from the CRM or imported)"),
    "commission.statement_approved": _("A commission statement was approved"),
    "commission.statement_paid": _("A commission statement was paid (with its payment reference)"),
    "mdf.request_submitted": _("A partner submitted a market development fund request"),
    "mdf.request_decided": _("An MDF request was approved or rejected"),
    "mdf.claim_submitted": _("A partner claimed an approved MDF request with proof of performance"),
    "mdf.claim_decided": _("An MDF claim was approved or rejected"),
    "mdf.reimbursed": _("An MDF claim was reimbursed"),
    "solution.idea_submitted": _("A joint-solution idea was submitted"),
    "solution.vetted": _("A joint-solution idea was accepted or declined"),
    "solution.step_changed": _("A step of a joint solution was completed or approved"),
}


def handle(event: str, **payload) -> None:
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(**payload)


def _credited(*, org, **_):
    # After the run commits: the run itself stays at its fixed number of queries.
    transaction.on_commit(lambda: _accruals_if_rules(org))


def _accruals_if_rules(org):
    from attribution import incentives
    from attribution.models import CommissionRule

    if CommissionRule.objects.for_org(org).filter(is_active=True).exists():
        with transaction.atomic():
            incentives.commission_accruals_request(org=org)


HANDLERS = {"attribution.credited": _credited}
