"""Template context for the top bar: the signed-in person's unread workspace notifications.

Not wired in settings by this app (pom owns settings.py and base.html): see the workspaces report for the
two lines the lead adds.
"""

from workspaces import selectors


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": selectors.unread_count(user=user)}
