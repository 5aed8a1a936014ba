"""Contract with `pom.views.home`: where a signed-in person without a membership belongs."""

from __future__ import annotations

from django.urls import reverse

from workspaces.models import Side, WorkspaceMember


def home_url(*, user) -> str | None:
    """The partner home when the person belongs to at least one workspace, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if WorkspaceMember.objects.filter(user=user, side=Side.PARTNER).exists():
        return reverse("workspaces:home")
    return None
