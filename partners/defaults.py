"""Per-organization defaults: the partner taxonomy and the six-stage journey.

Called by `pom.hooks.on_org_created` for every new organization; safe to call again (it only
adds what is missing, by slug or name, and never overwrites an admin's edits).
"""

from __future__ import annotations

from django.db import transaction

from partners.models import Archetype, HealthQuestion, JourneyStage, JourneyStep, JourneyTemplate, PartnerType, Segment
from pom.models import Organization

PARTNER_TYPES = [
    ("technology", "Technology / ISV", "Builds a product that integrates with yours"),
    ("referral", "Referral", "Introduces leads and is paid per converted lead"),
    ("reseller", "Reseller", "Buys and resells your product"),
    ("systems-integrator", "Systems integrator", "Implements and integrates for end customers"),
    ("msp", "Managed service provider", "Operates your product for its customers"),
    ("agency", "Agency", "Marketing, creative or digital agency"),
    ("affiliate", "Affiliate", "Promotes your product for a commission"),
    ("distributor", "Distributor", "Supplies resellers in a territory"),
    ("cloud-marketplace", "Cloud marketplace", "Sells through a hyperscaler marketplace"),
    ("strategic-alliance", "Strategic alliance", "Joint go-to-market at executive level"),
]

ARCHETYPES = [
    ("delivery-champion", "Delivery champion", "Wins on implementation quality and customer success"),
    ("joint-innovator", "Joint innovator", "Builds new offers and integrations with you"),
    ("selling-ally", "Selling ally", "Brings and closes deals with you"),
    ("ecosystem-pioneer", "Ecosystem pioneer", "Opens new markets and communities"),
]

SEGMENTS = [
    ("strategic", "Strategic", "Few partners, deep joint plans and executive sponsorship"),
    ("transactional", "Transactional", "Many partners, light-touch and scaled programs"),
]

DEFAULT_JOURNEY_NAME = "Partner journey"

JOURNEY = [
    ("Onboard", ["Kickoff", "Executive buy-in", "Define success", "Account mapping"]),
    ("Develop", ["Joint value", "Training", "Cadence"]),
    ("Win", ["Focus account", "Client-facing", "Pilot", "Governance"]),
    ("Deliver", ["Equip", "Joint steercos", "Testimonial"]),
    ("Expand", ["Capabilities", "Repeat success", "Co-marketing", "Roadmap involvement"]),
    ("Retain", ["QBR", "Update and motivate", "Celebrate success"]),
]


# The default health questionnaire (answered 1 = strongly disagree … 5 = strongly agree), one question per
# TACAM element and two on sponsorship and value; every organization edits its own copy.
HEALTH_QUESTIONS = [
    ("We share openly what the other side needs to know, including bad news.", "Trust"),
    ("We regularly compare our joint results with the plan and with peers.", "Analysis"),
    ("Both sides agreed on the joint plan and its priorities.", "Commitment"),
    ("Each side delivers the actions it owns, on time.", "Accountability"),
    ("We check progress often enough to correct course in time.", "Measurement"),
    ("Executives on both sides actively sponsor this partnership.", "Sponsorship"),
    ("The partnership brings my organization the value we expected.", "Value"),
]


def health_questions_seed(*, org: Organization) -> None:
    """Add the default health questions the organization does not have yet (by text); never edits its own."""
    existing = {t.lower() for t in HealthQuestion.objects.for_org(org).values_list("text", flat=True)}
    HealthQuestion.objects.bulk_create(
        [
            HealthQuestion(organization=org, text=text, help_text=element, order=order * 10)
            for order, (text, element) in enumerate(HEALTH_QUESTIONS, 1)
            if text.lower() not in existing
        ]
    )


def _seed_terms(model, org: Organization, rows) -> None:
    existing = set(model.objects.for_org(org).values_list("slug", flat=True))
    model.objects.bulk_create(
        [
            model(organization=org, slug=slug, name=name, description=description, order=order)
            for order, (slug, name, description) in enumerate(rows, 1)
            if slug not in existing
        ]
    )


@transaction.atomic
def journey_template_seed_default(*, org: Organization) -> JourneyTemplate:
    """The organization's default journey template, created with its six stages and 20 steps if absent.

    Side effects: creates template, stages and steps; marks the template default only when the
    organization has no default yet.
    """
    template = JourneyTemplate.objects.for_org(org).filter(name=DEFAULT_JOURNEY_NAME).first()
    if template is None:
        has_default = JourneyTemplate.objects.for_org(org).filter(is_default=True).exists()
        template = JourneyTemplate.objects.create(
            organization=org,
            name=DEFAULT_JOURNEY_NAME,
            description="Onboard, Develop, Win, Deliver, Expand, Retain.",
            is_default=not has_default,
        )
    if template.stages.exists():
        return template
    for stage_order, (stage_name, steps) in enumerate(JOURNEY, 1):
        stage = JourneyStage.objects.create(organization=org, template=template, name=stage_name, order=stage_order)
        JourneyStep.objects.bulk_create(
            [
                JourneyStep(organization=org, stage=stage, name=step_name, order=step_order)
                for step_order, step_name in enumerate(steps, 1)
            ]
        )
    return template


@transaction.atomic
def org_defaults(*, org: Organization) -> None:
    """Seed partner types, archetypes, segments, the default journey and (when it has none) the health
    questionnaire for `org`. Idempotent."""
    _seed_terms(PartnerType, org, PARTNER_TYPES)
    _seed_terms(Archetype, org, ARCHETYPES)
    _seed_terms(Segment, org, SEGMENTS)
    journey_template_seed_default(org=org)
    if not HealthQuestion.objects.for_org(org).exists():
        health_questions_seed(org=org)
