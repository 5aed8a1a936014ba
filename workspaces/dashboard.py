"""The organization dashboard's cards from workspaces (pom.hooks): what needs attention, digests to review."""

from django.urls import reverse
from django.utils.translation import gettext as _

from workspaces.models import Digest, Suggestion


def dashboard_cards(*, org) -> list[dict]:
    open_count = Suggestion.objects.for_org(org).filter(status=Suggestion.Status.OPEN).count()
    drafts = Digest.objects.for_org(org).filter(status__in=[Digest.Status.DRAFT, Digest.Status.EDITED]).count()
    return [
        {
            "title": _("Needs attention"),
            "value": open_count,
            "url": reverse("workspaces-org:attention", args=[org.slug]),
            "hint": _("Open next best actions, ranked"),
        },
        {
            "title": _("Digests to review"),
            "value": drafts,
            "url": reverse("workspaces-org:digests", args=[org.slug]) + "?status=draft",
            "hint": _("Drafts waiting for a person's approval"),
        },
    ]
