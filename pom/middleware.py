import logging
import zoneinfo

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

rls_logger = logging.getLogger("pom.rls")


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
    400: ("invalid", gettext_lazy("The request could not be read.")),
    401: ("not_authenticated", gettext_lazy("Authentication credentials were not provided.")),
    403: ("permission_denied", gettext_lazy("You do not have permission to perform this action.")),
    404: ("not_found", gettext_lazy("No API endpoint or object at this address.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed on this address.")),
    413: ("too_large", gettext_lazy("The request body is too large.")),
    429: ("throttled", gettext_lazy("Too many requests; retry later.")),
    500: ("server_error", gettext_lazy("Something went wrong on our side; the error has been logged.")),
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

        code, detail = API_ERROR_CODES.get(response.status_code, ("error", gettext_lazy("The request failed.")))
        if response.status_code == 405:
            detail = gettext('Method "%(method)s" not allowed.') % {"method": request.method}
        body = {"status": response.status_code, "code": code, "detail": str(detail)}
        rewritten = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten


def _operator(user) -> bool:
    """An active staff superuser: the Django admin's operators."""
    return user.is_active and user.is_staff and user.is_superuser


class TenantScopeMiddleware:
    """Row-level security scope for one request (pom/rls.py): the signed-in user from the start, the
    organization once `org_access` (or a workspace's access) resolves it; the previous scope after.

    The Django admin is the platform operators' tool across organizations: a request of an active
    superuser under the admin's address works across all organizations, explicitly, and each one is
    logged as such on the `pom.rls` logger (who, method, path); the admin's own LogEntry records
    every change it makes. Staff without superuser status see no tenant rows there."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def admin_prefix(self) -> str:
        if self._admin_prefix is None:
            from django.urls import NoReverseMatch, reverse

            try:
                self._admin_prefix = reverse("admin:index")
            except NoReverseMatch:
                self._admin_prefix = ""
        return self._admin_prefix

    def __call__(self, request):
        from pom import rls

        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        with rls.scope(user_id=user_id):
            prefix = self.admin_prefix()
            if user_id is not None and prefix and request.path.startswith(prefix) and _operator(user):
                rls_logger.info(
                    "all organizations: Django admin request by superuser %s (id %s): %s %s",
                    user.email,
                    user_id,
                    request.method,
                    request.path,
                )
                with rls.all_organizations("the Django admin: a superuser's request, logged"):
                    return self.get_response(request)
            return self.get_response(request)


class UserLanguageMiddleware:
    """Pages in the signed-in user's own language (User.language); without one, LocaleMiddleware's choice
    (language cookie, then the browser's Accept-Language) stands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = getattr(getattr(request, "user", None), "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
