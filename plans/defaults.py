"""Default plan templates every organization starts with; clone one to adapt it."""

from __future__ import annotations

from plans.models import Plan, PlanTemplate
from pom.models import Organization


def _kr(name, unit="count", target=None, baseline=0, direction="increase", frequency="monthly", side="both", due=None):
    data = {
        "name": name,
        "unit": unit,
        "direction": direction,
        "baseline": baseline,
        "target": target,
        "update_frequency": frequency,
        "responsible_side": side,
    }
    if due is not None:
        data["due_offset_days"] = due
    return data


def _act(title, type_="other", side="vendor", due=None):
    return {"title": title, "type": type_, "owner_side": side, "due_offset_days": due}


ONBOARDING = {
    "name": "Partner onboarding",
    "kind": Plan.Kind.ONBOARDING,
    "duration_days": 90,
    "description": "The first 90 days: from kick-off to a partner that sells and delivers on its own.",
    "phases": [],
    "content": {
        "objectives": [
            {
                "title": "Kick-off",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Kick-off meeting held", "boolean", 1, frequency="weekly", due=14)],
                "activities": [
                    _act("Schedule the kick-off with both executive sponsors", "meeting", "vendor", 7),
                    _act("Share the partner welcome pack", "content", "vendor", 10),
                ],
            },
            {
                "title": "Key onboarding milestones",
                "responsible_side": "both",
                "weight": 2,
                "key_results": [
                    _kr("Portal accounts activated", "count", 5, side="partner"),
                    _kr("Onboarding checklist completed", "percent", 100, side="both"),
                ],
                "activities": [_act("Give portal access to the partner team", "technical", "vendor", 14)],
            },
            {
                "title": "Communication action plan",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Joint announcement published", "boolean", 1, side="both", due=60)],
                "activities": [
                    _act("Agree the announcement and press release", "content", "both", 45),
                    _act("Add the partner to the partner directory", "content", "vendor", 30),
                ],
            },
            {
                "title": "Certifications",
                "responsible_side": "partner",
                "weight": 2,
                "key_results": [
                    _kr("Sales certifications earned", "count", 3, side="partner"),
                    _kr("Technical certifications earned", "count", 2, side="partner"),
                ],
                "activities": [
                    _act("Sales enablement session", "training", "vendor", 30),
                    _act("Technical bootcamp", "training", "vendor", 45),
                ],
            },
            {
                "title": "Governance",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Monthly reviews held", "count", 3, frequency="monthly")],
                "activities": [_act("Set the monthly review cadence", "meeting", "vendor", 14)],
            },
            {
                "title": "Joint business plan validated",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Joint business plan validated by both sides", "boolean", 1, due=75)],
                "activities": [_act("Draft the joint business plan", "meeting", "both", 60)],
            },
            {
                "title": "Onboarding complete",
                "responsible_side": "both",
                "weight": 2,
                "key_results": [
                    _kr("First deal registered", "count", 1, side="partner"),
                    _kr("Qualified pipeline", "currency", 50000, side="partner"),
                ],
                "activities": [_act("First joint customer call", "joint_call", "both", 80)],
            },
        ]
    },
}

JOINT_BUSINESS = {
    "name": "Joint business plan",
    "kind": Plan.Kind.JOINT_BUSINESS,
    "duration_days": 365,
    "description": "A year of joint selling: revenue by segment, pipeline, skills, marketing and governance.",
    "phases": [],
    "content": {
        "objectives": [
            {
                "title": "Grow revenue by segment",
                "responsible_side": "both",
                "weight": 3,
                "key_results": [
                    _kr("Revenue in mid-market", "currency", 250000, side="partner"),
                    _kr("Revenue in enterprise", "currency", 400000, side="partner"),
                ],
                "activities": [],
            },
            {
                "title": "Build pipeline",
                "responsible_side": "both",
                "weight": 2,
                "key_results": [
                    _kr("Qualified pipeline", "currency", 1500000, side="both"),
                    _kr("Deals registered", "count", 24, side="partner"),
                ],
                "activities": [_act("Joint account mapping session", "joint_call", "both", 30)],
            },
            {
                "title": "Certifications",
                "responsible_side": "partner",
                "weight": 1,
                "key_results": [_kr("Certified consultants", "count", 6, side="partner", frequency="quarterly")],
                "activities": [_act("Certification sprint", "training", "partner", 90)],
            },
            {
                "title": "Marketing activities",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Marketing-sourced leads", "count", 120, side="both")],
                "activities": [
                    _act("Co-branded webinar", "event", "both", 60),
                    _act("Joint customer case study", "content", "both", 120),
                    _act("Regional field event", "event", "partner", 200),
                ],
            },
            {
                "title": "Governance cadence",
                "responsible_side": "both",
                "weight": 1,
                "key_results": [_kr("Quarterly business reviews held", "count", 4, frequency="quarterly")],
                "activities": [_act("Book the four QBRs", "meeting", "vendor", 14)],
            },
        ]
    },
}

TECHNOLOGY_LAUNCH = {
    "name": "Technology partner launch",
    "kind": Plan.Kind.TECHNOLOGY_LAUNCH,
    "duration_days": 180,
    "description": "From a validated integration use case to a launched, adopted integration.",
    "phases": ["Discovery", "Validate", "Build + QA", "Early beta", "Late beta", "Launch", "Post-launch"],
    "content": {
        "objectives": [
            {
                "title": "Discover the joint opportunity",
                "phase": "Discovery",
                "weight": 1,
                "key_results": [_kr("Shared customers identified", "count", 10, due=20)],
                "activities": [_act("Map the overlap of customer bases", "technical", "both", 15)],
            },
            {
                "title": "Validate the integration",
                "phase": "Validate",
                "weight": 2,
                "key_results": [_kr("Customers confirming the use case is valuable", "count", 3, due=45)],
                "activities": [
                    _act("Document integration use cases", "content", "both", 30),
                    _act("Customer confirmation that the use case is valuable", "joint_call", "both", 40),
                    _act("Decide who builds the integration", "meeting", "both", 40),
                    _act("Partner agreement signed", "other", "both", 45),
                    _act("Integration questionnaire", "technical", "partner", 45),
                ],
            },
            {
                "title": "Build and test",
                "phase": "Build + QA",
                "weight": 2,
                "key_results": [_kr("Integration test cases passing", "percent", 100, due=100)],
                "activities": [_act("Sandbox environments for the partner", "technical", "vendor", 50)],
            },
            {
                "title": "Early beta",
                "phase": "Early beta",
                "weight": 1,
                "key_results": [_kr("Early beta customers live", "count", 3, due=120)],
                "activities": [],
            },
            {
                "title": "Late beta",
                "phase": "Late beta",
                "weight": 1,
                "key_results": [_kr("Open critical issues", "count", 0, baseline=10, direction="decrease", due=140)],
                "activities": [],
            },
            {
                "title": "Launch",
                "phase": "Launch",
                "weight": 2,
                "key_results": [_kr("Listed in the marketplace", "boolean", 1, due=160)],
                "activities": [
                    _act("Launch announcement", "campaign", "both", 160),
                    _act("Sales enablement on the integration", "training", "vendor", 165),
                ],
            },
            {
                "title": "Post-launch adoption",
                "phase": "Post-launch",
                "weight": 1,
                "key_results": [_kr("Customers using the integration", "count", 25)],
                "activities": [],
            },
        ]
    },
}

DEFAULT_TEMPLATES = [ONBOARDING, JOINT_BUSINESS, TECHNOLOGY_LAUNCH]


def org_defaults(*, org: Organization) -> None:
    """Seed the default plan templates for a new organization; existing names are left alone."""
    from plans.template_services import template_create

    existing = set(PlanTemplate.objects.for_org(org).values_list("name", flat=True))
    for spec in DEFAULT_TEMPLATES:
        if spec["name"] not in existing:
            template_create(org=org, actor=None, is_default=True, **spec)
