"""Writes on governance meetings: attendees checked, follow-ups become plan activities, audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Partnership
from plans.models import Meeting, Plan
from plans.services import _is_member, activity_create
from pom.audit import Actor, create_instance
from pom.common import actor_user, same_org
from pom.models import Organization, User


@transaction.atomic
def meeting_create(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    kind: str,
    date: datetime.date,
    plan: Plan | None = None,
    title: str = "",
    vendor_attendees: list[User] | None = None,
    partner_attendees: list[Contact] | None = None,
    other_attendees: str = "",
    agenda: str = "",
    notes: str = "",
    decisions: str = "",
    follow_ups: list[dict] | None = None,
) -> Meeting:
    """Record a governance meeting; each follow-up ({title, owner_side, assignee, due_date, type}) becomes
    an activity in the plan, linked to the meeting. All or nothing. Audited."""
    same_org(org, partnership, "partnership")
    if plan is not None and plan.partnership_id != partnership.pk:
        raise ValidationError({"plan": _("This plan belongs to another partnership.")})
    if follow_ups and plan is None:
        raise ValidationError({"follow_ups": _("Choose the plan the follow-up activities go into.")})
    for user in vendor_attendees or []:
        if not _is_member(org, user):
            raise ValidationError(
                {
                    "vendor_attendees": _("%(display_name)s is not a member of %(name)s.")
                    % {"display_name": user.display_name, "name": org.name}
                }
            )
    for contact in partner_attendees or []:
        if contact.organization_id != org.pk or contact.partner_id != partnership.partner_id:
            raise ValidationError(
                {
                    "partner_attendees": _("%(contact)s is not a contact of %(partner)s.")
                    % {"contact": contact, "partner": partnership.partner}
                }
            )
    meeting = Meeting(
        organization=org,
        partnership=partnership,
        plan=plan,
        kind=kind,
        title=title,
        date=date,
        other_attendees=other_attendees,
        agenda=agenda,
        notes=notes,
        decisions=decisions,
        created_by=actor_user(actor),
    )
    create_instance(org=org, actor=actor, instance=meeting)
    meeting.vendor_attendees.set(vendor_attendees or [], through_defaults={"organization": org})
    meeting.partner_attendees.set(partner_attendees or [], through_defaults={"organization": org})
    for index, follow_up in enumerate(follow_ups or [], 1):
        item = {k: v for k, v in follow_up.items() if v not in (None, "")}
        title_text = item.pop("title", "").strip()
        if not title_text:
            raise ValidationError({"follow_ups": _("Follow-up %(index)s needs a title.") % {"index": index}})
        try:
            activity_create(org=org, actor=actor, plan=plan, title=title_text, meeting=meeting, **item)
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            text = "; ".join(f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in messages.items())
            raise ValidationError(
                {
                    "follow_ups": _("Follow-up %(index)s (%(title_text)s): %(text)s")
                    % {"index": index, "title_text": title_text, "text": text}
                }
            ) from None
    return meeting
