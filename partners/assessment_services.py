"""Writes on assessments: questions, campaigns and their links, reminders, SWOTs, survey scores.

Every write validates, saves, audits and queues its mail in one transaction (mail leaves on commit through
`pom.services.email_send`). Respondents' links and answers are `partners.assessment_answers`.
See docs/assessments.md.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from partners.assessment_models import (
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentKind,
    AssessmentRound,
    AssessmentSide,
    HealthQuestion,
    SatisfactionScore,
    Swot,
)
from partners.models import Contact, Partnership
from pom import hooks
from pom.audit import Actor, audit_action, create_instance, delete_instance, update_fields
from pom.common import actor_user
from pom.l10n import in_language_of
from pom.models import Organization, User
from pom.services import email_send, hash_token

SWOT_FIELDS = ("strengths", "weaknesses", "opportunities", "threats")
MAX_PARTNERSHIPS_PER_CAMPAIGN = 500


_user = actor_user  # pom.common


# Health questions ---------------------------------------------------------------------------------


@transaction.atomic
def health_question_create(*, org: Organization, actor: Actor, text: str, help_text: str = "", order=None):
    """Add a question to the organization's health questionnaire (asked from the next campaign on)."""
    if order is None:
        last = HealthQuestion.objects.for_org(org).order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 10
    text = (text or "").strip()
    if HealthQuestion.objects.for_org(org).filter(text__iexact=text).exists():
        raise ValidationError({"text": _("This question is already in the questionnaire.")})
    question = HealthQuestion(organization=org, text=text, help_text=help_text, order=order)
    return create_instance(org=org, actor=actor, instance=question)


@transaction.atomic
def health_question_update(*, org: Organization, actor: Actor, question: HealthQuestion, data: dict):
    """Edit a question; rounds already sent keep the text they asked."""
    allowed = {k: v for k, v in data.items() if k in ("text", "help_text", "order", "is_active")}
    if "text" in allowed:
        allowed["text"] = (allowed["text"] or "").strip()
        clash = HealthQuestion.objects.for_org(org).filter(text__iexact=allowed["text"]).exclude(pk=question.pk)
        if clash.exists():
            raise ValidationError({"text": _("This question is already in the questionnaire.")})
    return update_fields(org=org, actor=actor, instance=question, data=allowed)


@transaction.atomic
def health_question_delete(*, org: Organization, actor: Actor, question: HealthQuestion) -> None:
    """Remove a question; answers already given keep its text."""
    delete_instance(org=org, actor=actor, instance=question)


# Campaigns ------------------------------------------------------------------------------------------


def answer_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("assessment_link", args=[raw_token])


def _recipients(*, org: Organization, partnerships: list[Partnership], fallback: User | None) -> dict[int, list]:
    """{partnership_id: [(side, user or None, email, name)]}: both sides of each partnership, one row per address.

    Vendor side: the partnership's owner and the partner's owner (else the person sending). Partner side:
    the partner-side members of the partnership's workspaces (`pom.hooks.partnership_guest_user_ids`) and
    the partner's contacts with an e-mail address.
    """
    guest_ids = {p.pk: hooks.partnership_guest_user_ids(org=org, partnership=p) for p in partnerships}
    users = {u.pk: u for u in User.objects.filter(pk__in=set().union(*guest_ids.values()), is_active=True)}
    contacts: dict[int, list[Contact]] = {}
    for contact in Contact.objects.for_org(org).filter(partner_id__in={p.partner_id for p in partnerships}):
        if contact.email:
            contacts.setdefault(contact.partner_id, []).append(contact)
    result = {}
    for p in partnerships:
        rows, seen = [], set()

        def add(side, user, email, name, rows=rows, seen=seen):
            key = (email or "").strip().lower()
            if key and key not in seen:
                seen.add(key)
                rows.append((side, user, key, name))

        vendor = [u for u in (p.owner, p.partner.owner) if u is not None and u.is_active] or (
            [fallback] if fallback else []
        )
        for u in vendor:
            add(AssessmentSide.VENDOR, u, u.email, u.display_name)
        for uid in sorted(guest_ids[p.pk]):
            if uid in users:
                u = users[uid]
                add(AssessmentSide.PARTNER, u, u.email, u.display_name)
        for c in contacts.get(p.partner_id, []):
            add(AssessmentSide.PARTNER, None, c.email, c.name)
        result[p.pk] = rows
    return result


def _invitation_mail(*, invitation: AssessmentInvitation, raw: str, partnership: Partnership, reminder: bool):
    with in_language_of(invitation.email):
        campaign = invitation.round.campaign
        other = partnership.partner.name if invitation.side == AssessmentSide.VENDOR else partnership.organization.name
        if reminder:
            subject = _("Reminder: %(name)s closes on %(date)s") % {
                "name": campaign.name,
                "date": timezone.localtime(campaign.closes_at).strftime("%Y-%m-%d"),
            }
        else:
            subject = _("%(name)s: how is the partnership with %(other)s going?") % {
                "name": campaign.name,
                "other": other,
            }
        lines = [
            _("Hello %(name)s,") % {"name": invitation.name or invitation.email},
            "",
            _("%(org)s asks you to assess the partnership %(partnership)s (%(kind)s). It takes two minutes.")
            % {"org": partnership.organization.name, "partnership": partnership, "kind": campaign.get_kind_display()},
        ]
        if campaign.message:
            lines += ["", campaign.message]
        lines += [
            "",
            _("Answer here (personal link, no password needed, one answer only):"),
            answer_url(raw),
            "",
            _("The questionnaire closes on %(date)s.")
            % {"date": timezone.localtime(campaign.closes_at).strftime("%Y-%m-%d %H:%M %Z")},
        ]
        email_send(to=[invitation.email], subject=subject, body="\n".join(lines))


def link_token(salt: str) -> str:
    """The raw token of an invitation's link: its salt and an HMAC of it with SECRET_KEY.

    Only the SHA-256 of the token is stored, so a copy of the database alone cannot answer for anyone;
    the salt lets a reminder carry the very link of the first e-mail.
    """
    return f"{salt}.{salted_hmac('pom.assessment-link', salt, algorithm='sha256').hexdigest()[:32]}"


def _new_link() -> tuple[str, str]:
    salt = secrets.token_urlsafe(12)
    return salt, link_token(salt)


@transaction.atomic
def campaign_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    kind: str,
    partnerships: list[Partnership],
    closes_at: datetime.datetime,
    message: str = "",
    reminder_every_days: int = 3,
    send: bool = True,
) -> AssessmentCampaign:
    """Send an assessment to many partnerships at once: one round per partnership, an invitation with a
    personal link per person on each side, e-mailed on commit.

    The health questions asked are frozen into each round. Every partnership must be the organization's;
    a round without anybody to ask is refused (naming the partnership) so nothing is half sent.
    `send=False` (demo data) writes the same rows without e-mailing anyone.
    """
    errors = {}
    if kind not in AssessmentKind.values:
        errors["kind"] = _("Choose trust, health or both.")
    if not partnerships:
        errors["partnerships"] = _("Choose at least one partnership.")
    elif len(partnerships) > MAX_PARTNERSHIPS_PER_CAMPAIGN:
        errors["partnerships"] = _("At most %(n)s partnerships per campaign.") % {"n": MAX_PARTNERSHIPS_PER_CAMPAIGN}
    elif any(p.organization_id != org.pk for p in partnerships):
        errors["partnerships"] = _("One of the partnerships is not in this organization.")
    if closes_at is None or closes_at <= timezone.now():
        errors["closes_at"] = _("The closing date must be in the future.")
    if errors:
        raise ValidationError(errors)
    questions = []
    if kind in (AssessmentKind.HEALTH, AssessmentKind.BOTH):
        questions = [
            {"id": q.pk, "text": q.text, "help_text": q.help_text}
            for q in HealthQuestion.objects.for_org(org).filter(is_active=True)
        ]
        if not questions:
            raise ValidationError({"kind": _("The health questionnaire has no questions; add some in Settings.")})
    partnerships = list(
        Partnership.objects.for_org(org)
        .filter(pk__in=[p.pk for p in partnerships])
        .select_related("partner__owner", "owner", "program", "organization")
    )
    recipients = _recipients(org=org, partnerships=partnerships, fallback=_user(actor))
    empty = [str(p) for p in partnerships if not recipients[p.pk]]
    if empty:
        raise ValidationError(
            {"partnerships": _("Nobody to ask for: %(names)s. Add a contact with an e-mail or an owner.")
             % {"names": ", ".join(empty)}}
        )  # fmt: skip
    now = timezone.now()
    campaign = AssessmentCampaign(
        organization=org,
        name=(name or "").strip(),
        kind=kind,
        message=message,
        closes_at=closes_at,
        reminder_every_days=reminder_every_days,
        created_by=_user(actor),
        sent_at=now,
    )
    create_instance(org=org, actor=actor, instance=campaign)
    for p in partnerships:
        rnd = AssessmentRound.objects.create(organization=org, campaign=campaign, partnership=p, questions=questions)
        for side, user, email, person in recipients[p.pk]:
            salt, raw = _new_link()
            invitation = AssessmentInvitation.objects.create(
                organization=org,
                round=rnd,
                side=side,
                user=user,
                email=email,
                name=person[:150],
                token_hash=hash_token(raw),
                link_salt=salt,
                expires_at=closes_at,
                sent_at=now,
            )
            if send:
                _invitation_mail(invitation=invitation, raw=raw, partnership=p, reminder=False)
    audit_action(
        org=org, actor=actor, obj=campaign, verb="assessment.campaign_sent", changes={"partnerships": len(partnerships)}
    )
    return campaign


@transaction.atomic
def campaign_close(*, org: Organization, actor: Actor, campaign: AssessmentCampaign) -> AssessmentCampaign:
    """Close a campaign now: its links stop working and no more reminders go out. Closing twice is a no-op."""
    if campaign.status == AssessmentCampaign.Status.CLOSED:
        return campaign
    now = timezone.now()
    AssessmentCampaign.objects.for_org(org).filter(pk=campaign.pk).update(
        status=AssessmentCampaign.Status.CLOSED, closed_at=now, closes_at=min(campaign.closes_at, now)
    )
    campaign.refresh_from_db()
    audit_action(org=org, actor=actor, obj=campaign, verb="assessment.campaign_closed")
    return campaign


def _is_open(campaign: AssessmentCampaign, now) -> bool:
    return campaign.status == AssessmentCampaign.Status.OPEN and campaign.closes_at > now


# Reminders ----------------------------------------------------------------------------------------


def org_ids_with_open_campaigns() -> list[int]:
    """Organizations with an open campaign (the beat fan-out; deliberately across tenants, ids only)."""
    return sorted(
        set(
            AssessmentCampaign.objects.filter(status=AssessmentCampaign.Status.OPEN).values_list(
                "organization_id", flat=True
            )
        )
    )


def reminders_send(*, org: Organization, now: datetime.datetime | None = None) -> dict:
    """Remind everyone who has not answered an open campaign, at most once per `reminder_every_days`;
    close campaigns whose closing date has passed. Safe to run twice: each reminder is claimed by a
    conditional update of `last_reminded_at` before its mail is queued; the reminder carries the same
    personal link as the first e-mail (`link_token`).
    """
    now = now or timezone.now()
    closed = 0
    for campaign in AssessmentCampaign.objects.for_org(org).filter(
        status=AssessmentCampaign.Status.OPEN, closes_at__lte=now
    ):
        with transaction.atomic():
            claimed = (
                AssessmentCampaign.objects.for_org(org)
                .filter(pk=campaign.pk, status=AssessmentCampaign.Status.OPEN)
                .update(status=AssessmentCampaign.Status.CLOSED, closed_at=now)
            )
            if claimed:
                audit_action(org=org, actor=None, obj=campaign, verb="assessment.campaign_closed")
                closed += claimed
    sent = 0
    due = (
        AssessmentInvitation.objects.for_org(org)
        .filter(
            answered_at__isnull=True,
            expires_at__gt=now,
            round__campaign__status=AssessmentCampaign.Status.OPEN,
            round__campaign__closes_at__gt=now,
        )
        .select_related("round__campaign", "round__partnership__partner", "round__partnership__program", "organization")
    )
    for invitation in due:
        every = datetime.timedelta(days=invitation.round.campaign.reminder_every_days)
        last = invitation.last_reminded_at or invitation.sent_at or invitation.created_at
        # Half an hour of slack so a daily beat a few minutes early still reminds on the day.
        if last + every > now + datetime.timedelta(minutes=30):
            continue
        with transaction.atomic():
            claimed = (
                AssessmentInvitation.objects.for_org(org)
                .filter(pk=invitation.pk, answered_at__isnull=True, last_reminded_at=invitation.last_reminded_at)
                .update(
                    last_reminded_at=now,
                    reminders_sent=invitation.reminders_sent + 1,
                )
            )
            if claimed:
                raw = link_token(invitation.link_salt)
                _invitation_mail(
                    invitation=invitation, raw=raw, partnership=invitation.round.partnership, reminder=True
                )
                sent += 1
    return {"reminded": sent, "closed": closed}


# SWOT -----------------------------------------------------------------------------------------------


@transaction.atomic
def swot_save(*, org: Organization, actor: Actor, partnership: Partnership, year: int, data: dict) -> Swot:
    """Create or edit the partnership's SWOT of `year`; audited field by field. Both sides call this
    (the workspace checks a partner person's access before)."""
    if partnership.organization_id != org.pk:
        raise ValidationError({"partnership": _("This partnership is not in this organization.")})
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Give the year as four digits, e.g. 2026.")}) from None
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("The year must lie between 2000 and 2100.")})
    values = {f: (data.get(f) or "").strip() for f in SWOT_FIELDS if f in data}
    too_long = [f for f, v in values.items() if len(v) > 5000]
    if too_long:
        raise ValidationError({f: _("At most 5000 characters.") for f in too_long})
    swot = Swot.objects.for_org(org).select_for_update().filter(partnership=partnership, year=year).first()
    if swot is None:
        swot = Swot(organization=org, partnership=partnership, year=year, updated_by=_user(actor), **values)
        return create_instance(org=org, actor=actor, instance=swot)
    return update_fields(org=org, actor=actor, instance=swot, data={**values, "updated_by": _user(actor)})


# Satisfaction scores ---------------------------------------------------------------------------------


@transaction.atomic
def satisfaction_create(*, org: Organization, actor: Actor, partnership: Partnership, data: dict) -> SatisfactionScore:
    """Record a survey score (NPS or CSAT) of a partnership with its source and date."""
    if partnership is None or partnership.organization_id != org.pk:
        raise ValidationError({"partnership": _("This partnership is not in this organization.")})
    measured_on = data.get("measured_on")
    if measured_on and measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("The measurement date cannot be in the future.")})
    record = SatisfactionScore(
        organization=org,
        partnership=partnership,
        scale=data.get("scale") or "nps",
        score=data.get("score"),
        source=(data.get("source") or "").strip(),
        measured_on=measured_on,
        respondents=data.get("respondents"),
        note=(data.get("note") or "").strip(),
        entered_by=_user(actor),
    )
    return create_instance(org=org, actor=actor, instance=record)


@transaction.atomic
def satisfaction_delete(*, org: Organization, actor: Actor, record: SatisfactionScore) -> None:
    delete_instance(org=org, actor=actor, instance=record)
