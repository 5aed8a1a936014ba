"""Cards for the organization dashboard (see `pom.hooks`)."""

from __future__ import annotations

from django.urls import reverse

from partners import selectors
from pom.models import Organization


def dashboard_cards(*, org: Organization) -> list[dict]:
    """Active partners, partners onboarding, and certifications expiring within 60 days (or expired)."""
    counts = selectors.partner_counts(org=org)
    partners_url = reverse("partners:list", args=[org.slug])
    return [
        {
            "title": "Active partners",
            "value": counts["active"],
            "url": f"{partners_url}?status=active",
            "hint": f"of {counts['total']} in the portfolio",
        },
        {
            "title": "Onboarding",
            "value": counts["onboarding"],
            "url": f"{partners_url}?status=onboarding",
            "hint": "partners getting started",
        },
        {
            "title": "Certifications expiring",
            "value": counts["expiring"],
            "url": reverse("partners:certifications", args=[org.slug]),
            "hint": f"within {selectors.EXPIRING_DAYS} days; {counts['expired']} expired",
        },
    ]
