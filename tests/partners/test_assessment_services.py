"""Campaigns, links, answers, reminders: what a person notices (mails, refusals, nothing half-written)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import assessment_answers, assessment_facts, assessment_selectors
from partners import assessment_services as svc
from partners.defaults import health_questions_seed
from partners.models import AssessmentInvitation, AssessmentResponse
from pom.models import AuditEvent
from tests.factories import (
    ContactFactory,
    PartnershipFactory,
    UserFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

GOOD = {"reliability": 8, "credibility": 7, "intimacy": 6, "self_orientation": 3}


@pytest.fixture
def setup(org, member):
    partnership = PartnershipFactory(organization=org, owner=member)
    link = WorkspacePartnershipFactory(organization=org, workspace__organization=org, partnership=partnership)
    guest = UserFactory(email="pat@reseller.example", name="Pat Guest")
    WorkspaceMemberFactory(organization=org, workspace=link.workspace, user=guest)
    ContactFactory(organization=org, partner=partnership.partner, email="Sam@Reseller.example", name="Sam")
    ContactFactory(organization=org, partner=partnership.partner, email="pat@reseller.example")  # same person
    health_questions_seed(org=org)
    return partnership, guest, link.workspace


def _send(org, member, partnerships, *, kind="trust", days=7, capture=None):
    return svc.campaign_create(
        org=org,
        actor=member,
        name="Q4 pulse",
        kind=kind,
        partnerships=partnerships,
        closes_at=timezone.now() + datetime.timedelta(days=days),
    )


def _token(mail) -> str:
    return re.search(r"/assessments/([^/\s]+)/", mail.body).group(1)


def test_campaign_invites_both_sides_with_personal_links(
    org, member, setup, mailoutbox, django_capture_on_commit_callbacks
):
    partnership, guest, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _send(org, member, [partnership])
    invitations = AssessmentInvitation.objects.for_org(org).order_by("side", "email")
    assert [(i.side, i.email, i.user_id) for i in invitations] == [
        ("partner", "pat@reseller.example", guest.pk),
        ("partner", "sam@reseller.example", None),
        ("vendor", member.email, member.pk),
    ]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(i.email for i in invitations)
    tokens = {_token(m) for m in mailoutbox}
    assert len(tokens) == 3
    # Only hashes are stored.
    assert not AssessmentInvitation.objects.filter(token_hash__in=tokens).exists()
    assert AuditEvent.objects.filter(
        organization=org, verb="assessment.campaign_sent", object_id=str(campaign.pk)
    ).exists()


def test_campaign_refuses_partnership_of_another_org_and_writes_nothing(org, other_org, member, setup):
    partnership, _, _ = setup
    foreign = PartnershipFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        _send(org, member, [partnership, foreign])
    assert "partnerships" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _send(org, member, [partnership], days=-1)
    assert "closes_at" in exc.value.message_dict
    assert not AssessmentInvitation.objects.exists()


def test_answer_from_link_once_then_immutable(org, member, setup, mailoutbox, django_capture_on_commit_callbacks):
    partnership, guest, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        _send(org, member, [partnership], kind="both")
    raw = _token(next(m for m in mailoutbox if m.to == ["sam@reseller.example"]))
    invitation = assessment_answers.invitation_resolve(raw=raw)
    rnd = invitation.round
    health = {str(q["id"]): {"value": 4, "comment": "Good QBRs"} for q in rnd.questions}
    with django_capture_on_commit_callbacks(execute=True):
        response = assessment_answers.response_submit(
            invitation=invitation, actor=None, data={**GOOD, "health": health}
        )
    assert response.trust == assessment_facts.trust_value(8, 7, 6, 3) == 7
    assert response.health_answers.count() == len(rnd.questions) == 7
    with pytest.raises(assessment_answers.LinkRefused) as refused:
        assessment_answers.invitation_resolve(raw=raw)
    assert refused.value.status == 410 and "already answered" in refused.value.reason
    with pytest.raises(ValidationError):
        assessment_answers.response_submit(invitation=invitation, actor=None, data=GOOD)
    assert AssessmentResponse.objects.for_org(org).count() == 1
    result = assessment_selectors.round_results(org=org, round=rnd)
    partner_side = result.sides[0]
    assert partner_side.rows[0].formula == "(8 + 7 + 6) / 3 = 7.00"
    assert partner_side.health_score == 75
    assert (result.answered, result.invited, result.rate) == (1, 3, Decimal("33.3"))


@pytest.mark.parametrize(
    "data,field",
    [
        ({**GOOD, "reliability": 11}, "reliability"),
        ({**GOOD, "credibility": 0}, "credibility"),
        ({**GOOD, "self_orientation": 0}, "self_orientation"),
        ({**GOOD, "intimacy": "lots"}, "intimacy"),
        ({k: v for k, v in GOOD.items() if k != "reliability"}, "reliability"),
    ],
)
def test_bad_ratings_name_the_field_and_save_nothing(org, member, setup, data, field):
    partnership, _, _ = setup
    _send(org, member, [partnership])
    invitation = AssessmentInvitation.objects.for_org(org).first()
    with pytest.raises(ValidationError) as exc:
        assessment_answers.response_submit(invitation=invitation, actor=None, data=data)
    assert field in exc.value.message_dict
    assert not AssessmentResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_closed_and_unknown_links_are_refused(org, member, setup):
    partnership, _, _ = setup
    campaign = _send(org, member, [partnership])
    invitation = AssessmentInvitation.objects.for_org(org).first()
    with pytest.raises(assessment_answers.LinkRefused) as refused:
        assessment_answers.invitation_resolve(raw="not-a-token")
    assert refused.value.status == 404
    svc.campaign_close(org=org, actor=member, campaign=campaign)
    raw = svc.link_token(invitation.link_salt)
    with pytest.raises(assessment_answers.LinkRefused) as refused:
        assessment_answers.invitation_resolve(raw=raw)
    assert refused.value.status == 410 and "closed" in refused.value.reason
    with pytest.raises(ValidationError):
        assessment_answers.response_submit(invitation=invitation, actor=None, data=GOOD)
    assert not AssessmentResponse.objects.exists()


def test_reminders_until_answered_idempotent_and_stop_when_closed(
    org, member, setup, mailoutbox, django_capture_on_commit_callbacks
):
    partnership, guest, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _send(org, member, [partnership], days=10)
    first_links = {m.to[0]: _token(m) for m in mailoutbox}
    mailoutbox.clear()
    pat = AssessmentInvitation.objects.for_org(org).get(email="pat@reseller.example")
    assessment_answers.response_submit(invitation=pat, actor=guest, data=GOOD)

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.reminders_send(org=org, now=now + datetime.timedelta(days=1)) == {"reminded": 0, "closed": 0}
        assert svc.reminders_send(org=org, now=now + datetime.timedelta(days=3)) == {"reminded": 2, "closed": 0}
        assert svc.reminders_send(org=org, now=now + datetime.timedelta(days=3, hours=1)) == {
            "reminded": 0,
            "closed": 0,
        }
    assert sorted(m.to[0] for m in mailoutbox) == sorted(["sam@reseller.example", member.email])
    assert all(m.subject.startswith("Reminder") for m in mailoutbox)
    # The reminder carries the same personal link as the first mail.
    assert {m.to[0]: _token(m) for m in mailoutbox} == {
        k: v for k, v in first_links.items() if k != "pat@reseller.example"
    }
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.reminders_send(org=org, now=now + datetime.timedelta(days=11)) == {"reminded": 0, "closed": 1}
        assert svc.reminders_send(org=org, now=now + datetime.timedelta(days=14)) == {"reminded": 0, "closed": 0}
    assert mailoutbox == []
    campaign.refresh_from_db()
    assert campaign.status == "closed"


def test_new_round_replaces_previous_for_scoring(org, member, setup):
    partnership, guest, _ = setup
    _send(org, member, [partnership])
    first = AssessmentInvitation.objects.for_org(org).get(email="pat@reseller.example")
    assessment_answers.response_submit(invitation=first, actor=guest, data={**GOOD, "self_orientation": 10})
    assert assessment_facts.trust_by_partnership(org=org)[partnership.pk].partner_side == Decimal("2.1")
    _send(org, member, [partnership])
    second = AssessmentInvitation.objects.for_org(org).exclude(pk=first.pk).get(email="pat@reseller.example")
    # Not answered yet: the previous round still counts.
    assert assessment_facts.trust_by_partnership(org=org)[partnership.pk].round_id == first.round_id
    assessment_answers.response_submit(invitation=second, actor=guest, data={**GOOD, "self_orientation": 1})
    facts = assessment_facts.trust_by_partnership(org=org)[partnership.pk]
    assert (facts.round_id, facts.partner_side) == (second.round_id, 21)
    assert AssessmentResponse.objects.for_org(org).count() == 2  # history stays


def test_second_answer_under_a_race_is_stopped_by_the_unique_constraint(org, member, setup):
    """Two submits that both passed the "not answered yet" check: the database keeps one answer."""
    partnership, _, _ = setup
    _send(org, member, [partnership])
    invitation = AssessmentInvitation.objects.for_org(org).get(email="sam@reseller.example")
    assessment_answers.response_submit(invitation=invitation, actor=None, data=GOOD)
    # What the loser of a race sees: the invitation not yet marked answered when it checked.
    AssessmentInvitation.objects.filter(pk=invitation.pk).update(answered_at=None)
    AssessmentResponse.objects.filter(invitation=invitation).update(invitation=None)
    with pytest.raises(ValidationError) as exc:
        assessment_answers.response_submit(invitation=invitation, actor=None, data={**GOOD, "reliability": 1})
    assert "already answered" in str(exc.value)
    assert AssessmentResponse.objects.filter(round=invitation.round).count() == 1


def test_swot_saved_by_both_sides_and_audited(org, member, setup):
    partnership, guest, _ = setup
    svc.swot_save(org=org, actor=member, partnership=partnership, year=2026, data={"strengths": "Joint pilots"})
    swot = svc.swot_save(org=org, actor=guest, partnership=partnership, year=2026, data={"threats": "New rival"})
    assert (swot.strengths, swot.threats, swot.updated_by) == ("Joint pilots", "New rival", guest)
    assert AuditEvent.objects.filter(organization=org, object_type="partners.swot").count() == 2
    with pytest.raises(ValidationError) as exc:
        svc.swot_save(org=org, actor=member, partnership=partnership, year=1999, data={})
    assert "year" in exc.value.message_dict


def test_satisfaction_score_range_named(org, member, setup):
    partnership, _, _ = setup
    with pytest.raises(ValidationError) as exc:
        svc.satisfaction_create(
            org=org, actor=member, partnership=partnership,
            data={"scale": "nps", "score": 140, "source": "Survey", "measured_on": datetime.date(2026, 1, 5)},
        )  # fmt: skip
    assert "score" in exc.value.message_dict


def test_answer_is_a_webhook_event_delivered_to_subscribers(org, member, setup, settings):
    from pom.models_webhooks import WebhookDelivery
    from pom.webhook_events import event_types
    from pom.webhooks import endpoint_create

    assert "assessment.answered" in event_types()
    partnership, guest, _ = setup
    settings.POM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    endpoint_create(
        org=org, actor=member, url="http://127.0.0.1:9/hook", event_types=["assessment.answered"], description="x"
    )
    _send(org, member, [partnership])
    invitation = AssessmentInvitation.objects.for_org(org).get(email="pat@reseller.example")
    response = assessment_answers.response_submit(invitation=invitation, actor=guest, data=GOOD)
    delivery = WebhookDelivery.objects.for_org(org).get(event_type="assessment.answered")
    assert delivery.payload["data"]["response"]["id"] == response.pk
    assert delivery.payload["actor"] == guest.display_name


def test_daily_reminders_are_scheduled_and_fan_out_per_organization(org, member, setup, mailoutbox):
    from django_celery_beat.models import PeriodicTask

    from partners import tasks

    assert PeriodicTask.objects.filter(task="partners.tasks.assessment_reminders_daily", enabled=True).exists()
    partnership, _, _ = setup
    _send(org, member, [partnership])
    assert tasks.assessment_reminders_daily() == 1  # one organization with an open campaign
