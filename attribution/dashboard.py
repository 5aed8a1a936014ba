"""Dashboard cards contributed by the attribution app (see pom.hooks)."""

from django.urls import reverse

from attribution import selectors


def dashboard_cards(*, org) -> list[dict]:
    """Registrations waiting for review and partner-sourced open pipeline. Two aggregate queries."""
    counts = selectors.registration_counts(org=org)
    waiting = counts.get("submitted", 0) + counts.get("info_requested", 0)
    sourced = selectors.sourced_pipeline_total(org=org)
    return [
        {
            "title": "Registrations to review",
            "value": waiting,
            "url": reverse("attribution:registrations", args=[org.slug]),
            "hint": f"{counts.get('info_requested', 0)} waiting for the partner's answer" if waiting else "Inbox clear",
        },
        {
            "title": "Partner-sourced pipeline",
            "value": f"{sourced:,.0f} {org.currency}",
            "url": reverse("attribution:metrics", args=[org.slug]),
            "hint": "Open deals a partner sourced",
        },
    ]
