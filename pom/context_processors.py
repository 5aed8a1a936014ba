from pom.selectors import user_memberships


def navigation(request):
    """The organizations the user can switch to, and the one in the URL if any."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(user, "memberships"):
        return {}
    slug = request.resolver_match.kwargs.get("org_slug") if request.resolver_match else None
    memberships = list(user_memberships(user=user))
    current = next((m for m in memberships if m.organization.slug == slug), None)
    return {
        "nav_memberships": memberships,
        "nav_membership": current,
        "nav_org": current.organization if current else None,
    }
