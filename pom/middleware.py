import zoneinfo

from django.utils import timezone


class UserTimezoneMiddleware:
    """Show times in the signed-in user's zone; they are stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = getattr(getattr(request, "user", None), "time_zone", None)
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY): POM uses no camera, microphone,
    location, payment or USB, so no page (nor anything injected into one) may ask for them."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class TenantScopeMiddleware:
    """Row-level security scope for one request (pom/rls.py): the signed-in user from the start, the
    organization once `org_access` (or a workspace's access) resolves it; the previous scope after."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from pom import rls

        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with rls.scope(user_id=user_id):
            return self.get_response(request)
