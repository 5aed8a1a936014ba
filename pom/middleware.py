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


API_ERROR_CODES = {
    400: ("invalid", "The request could not be read."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "No API endpoint or object at this address."),
    405: ("method_not_allowed", "This method is not allowed on this address."),
    413: ("too_large", "The request body is too large."),
    429: ("throttled", "Too many requests; retry later."),
    500: ("server_error", "Something went wrong on our side; the error has been logged."),
}


class ApiJsonErrorsMiddleware:
    """Every error under /api/ answers the API's JSON error body, even where DRF never ran.

    DRF's exception handler shapes the errors of its own views; Django answers unknown paths
    (404), CSRF refusals (403), methods a plain view lacks (405) and crashes (500) with HTML
    pages. Integrators parse JSON, so those are rewritten to `{"status", "code", "detail"}`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        from django.http import JsonResponse

        code, detail = API_ERROR_CODES.get(response.status_code, ("error", "The request failed."))
        if response.status_code == 405:
            detail = f'Method "{request.method}" not allowed.'
        body = {"status": response.status_code, "code": code, "detail": detail}
        rewritten = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten
