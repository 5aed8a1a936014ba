"""Template context for the top bar: the signed-in person's unread workspace notifications."""

from workspaces import selectors


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": selectors.unread_count(user=user)}
