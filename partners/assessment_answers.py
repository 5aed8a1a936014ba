"""Respondents' side of assessments: an e-mailed link resolved to its invitation, and the answer
submitted through it (answers are immutable: there is a submit and nothing else). See docs/assessments.md.

Deliberate cross-tenant read: `invitation_by_token` finds an invitation by the hash of the token in any
organization, because the e-mailed link is what tells which organization it belongs to.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.assessment_models import (
    HEALTH_MAX,
    HEALTH_MIN,
    RATING_MAX,
    RATING_MIN,
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentRound,
    HealthAnswer,
    HealthQuestion,
)
from partners.assessment_services import _is_open
from pom import hooks, rls
from pom.audit import Actor, audit_action
from pom.common import actor_user
from pom.models import Organization, User
from pom.services import hash_token

TRUST_FIELDS = ("reliability", "credibility", "intimacy", "self_orientation")


class LinkRefused(Exception):
    """An assessment link that cannot be used; `reason` says why to the person holding it."""

    def __init__(self, reason: str, status: int = 400):
        super().__init__(reason)
        self.reason, self.status = reason, status


def invitation_by_token(raw: str) -> AssessmentInvitation | None:
    """The invitation with this token in any organization (the token decides the tenant)."""
    with rls.all_organizations("a respondent's invitation is found by its token's hash"):
        invitation = (
            AssessmentInvitation.objects.select_related(
                "round__campaign", "round__partnership__partner", "round__partnership__program", "organization", "user"
            )
            .filter(token_hash=hash_token(raw or ""))
            .first()
        )
    return rls.admit(invitation)


def invitation_resolve(*, raw: str, request_user=None) -> AssessmentInvitation:
    """The invitation behind an e-mailed link if it can be answered now, else `LinkRefused` saying why."""
    invitation = invitation_by_token(raw)
    if invitation is None:
        raise LinkRefused(_("This link is not valid. Check that it was copied whole from the e-mail."), 404)
    if (
        getattr(request_user, "is_authenticated", False)
        and invitation.user_id is not None
        and request_user.pk != invitation.user_id
    ):
        raise LinkRefused(
            _("This link was sent to someone else. You are signed in as %(you)s; only its recipient can use it.")
            % {"you": request_user.email},
            403,
        )
    if invitation.answered_at is not None:
        raise LinkRefused(
            _("You already answered on %(when)s; answers cannot be changed. Thank you!")
            % {"when": timezone.localtime(invitation.answered_at).strftime("%Y-%m-%d %H:%M")},
            410,
        )
    campaign = invitation.round.campaign
    if not _is_open(campaign, timezone.now()) or invitation.expires_at <= timezone.now():
        raise LinkRefused(
            _("This questionnaire closed on %(when)s; answers are no longer taken.")
            % {"when": timezone.localtime(min(campaign.closes_at, invitation.expires_at)).strftime("%Y-%m-%d")},
            410,
        )
    return invitation


def _clean_rating(data: dict, field: str, errors: dict):
    value = data.get(field)
    label = {
        "reliability": _("Reliability"),
        "credibility": _("Credibility"),
        "intimacy": _("Intimacy"),
        "self_orientation": _("Self-orientation"),
    }[field]
    if value in (None, ""):
        errors[field] = _("%(label)s: give a rating from 1 to 10.") % {"label": label}
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = _("%(label)s: %(value)r is not a whole number from 1 to 10.") % {"label": label, "value": value}
        return None
    if field == "self_orientation" and number == 0:
        errors[field] = _("Self-orientation cannot be zero (trust divides by it): rate it from 1 to 10.")
        return None
    if not RATING_MIN <= number <= RATING_MAX:
        errors[field] = _("%(label)s: %(value)s is outside 1 to 10.") % {"label": label, "value": number}
        return None
    return number


def _clean_health(rnd: AssessmentRound, data: dict, errors: dict) -> list[tuple[dict, int, str]]:
    """[(question, value, comment)]: every question of the round answered 1–5, comments optional."""
    answers = data.get("health") or {}
    cleaned = []
    for q in rnd.questions:
        given = answers.get(str(q["id"])) if isinstance(answers, dict) else None
        given = given if isinstance(given, dict) else {"value": given}
        key = f"health_{q['id']}"
        try:
            value = int(str(given.get("value")).strip())
        except (TypeError, ValueError):
            errors[key] = _("“%(q)s”: choose an answer from 1 to 5.") % {"q": q["text"]}
            continue
        if not HEALTH_MIN <= value <= HEALTH_MAX:
            errors[key] = _("“%(q)s”: %(v)s is outside 1 to 5.") % {"q": q["text"], "v": value}
            continue
        comment = (given.get("comment") or "").strip()
        if len(comment) > 1000:
            errors[key] = _("“%(q)s”: the comment is longer than 1000 characters.") % {"q": q["text"]}
            continue
        cleaned.append((q, value, comment))
    return cleaned


@transaction.atomic
def response_submit(*, invitation: AssessmentInvitation, actor: Actor, data: dict) -> AssessmentResponse:
    """Record one person's answer to one round; immutable once written.

    1. Lock the invitation row, so two submits of the same link queue up; the second sees it answered.
    2. Refuse if answered, closed or expired; validate every rating (1–10, self-orientation not zero) and
       every health answer (1–5), naming the field; nothing is written on an error.
    3. Write the response (the unique constraint on round and person is the last wall under a race),
       its health answers, mark the invitation answered, audit, and emit "assessment.answered".
    """
    org = invitation.organization
    invitation = (
        AssessmentInvitation.objects.for_org(org)
        .select_for_update()
        .select_related("round__campaign", "round__partnership")
        .get(pk=invitation.pk)
    )
    rnd, now = invitation.round, timezone.now()
    if invitation.answered_at is not None:
        raise ValidationError({"__all__": _("This person already answered this round; answers cannot be changed.")})
    if not _is_open(rnd.campaign, now) or invitation.expires_at <= now:
        raise ValidationError({"__all__": _("This questionnaire is closed; answers are no longer taken.")})
    errors: dict = {}
    ratings = {}
    if rnd.campaign.asks_trust:
        ratings = {f: _clean_rating(data, f, errors) for f in TRUST_FIELDS}
    health = _clean_health(rnd, data, errors) if rnd.campaign.asks_health else []
    comment = (data.get("comment") or "").strip()
    if errors:
        raise ValidationError(errors)
    # The respondent is the invitation's person: its account, or the signed-in person with its address.
    signed_in = actor_user(actor)
    user = invitation.user or (signed_in if signed_in and signed_in.email.lower() == invitation.email else None)
    response = AssessmentResponse(
        organization=org,
        round=rnd,
        partnership=rnd.partnership,
        invitation=invitation,
        side=invitation.side,
        respondent=user,
        respondent_email=invitation.email,
        respondent_name=invitation.name,
        submitted_at=now,
        comment=comment,
        **ratings,
    )
    response.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise ValidationError({"__all__": _("This person already answered this round.")}) from exc
    still_there = set(
        HealthQuestion.objects.for_org(org)
        .filter(pk__in=[q["id"] for q, _v, _c in health])
        .values_list("pk", flat=True)
    )
    HealthAnswer.objects.bulk_create(
        [
            HealthAnswer(
                organization=org, response=response, question_id=q["id"] if q["id"] in still_there else None,
                question_text=q["text"], value=value, comment=comment_text,
            )
            for q, value, comment_text in health
        ]
    )  # fmt: skip
    AssessmentInvitation.objects.for_org(org).filter(pk=invitation.pk).update(answered_at=now)
    audit_action(
        org=org,
        actor=user if user is not None else actor,
        obj=response,
        verb="assessment.answered",
        changes={**ratings, "health_answers": len(health), "side": invitation.side},
    )
    hooks.emit("assessment.answered", org=org, actor=user, partnership=rnd.partnership, response=response)
    return response


def invitations_for_user(*, org: Organization, user: User, partnership_ids) -> list[AssessmentInvitation]:
    """Open, unanswered invitations of a signed-in person for these partnerships (by account or address)."""
    now = timezone.now()
    return list(
        AssessmentInvitation.objects.for_org(org)
        .filter(Q(user=user) | Q(user__isnull=True, email__iexact=user.email))
        .filter(
            round__partnership_id__in=list(partnership_ids),
            answered_at__isnull=True,
            expires_at__gt=now,
            round__campaign__status=AssessmentCampaign.Status.OPEN,
            round__campaign__closes_at__gt=now,
        )
        .select_related("round__campaign", "round__partnership__partner", "round__partnership__program")
        .order_by("round__campaign__closes_at", "id")
    )
