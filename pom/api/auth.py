"""Organization API keys: `Authorization: Bearer <key>`.

A key is `pom_<prefix>_<secret>`; only its SHA-256 and the prefix are stored. A request
with a key acts for the key's organization only, as role viewer (read scope) or manager
(write scope); admin-only endpoints stay closed to keys.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from pom.common import hash_secret
from pom.models import ApiKey, ApiKeyScope, Role

LAST_USED_RESOLUTION = timedelta(seconds=60)


hash_key = hash_secret  # one hash for every secret (pom.common)


class ApiKeyPrincipal:
    """Stands in for `request.user` on API key requests."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, key: ApiKey):
        self.key = key
        self.organization = key.organization
        self.role = Role.MANAGER if key.scope == ApiKeyScope.WRITE else Role.VIEWER

    def __str__(self) -> str:
        return f"API key {self.key.prefix}"

    @property
    def display_name(self) -> str:
        return f"API key {self.key.name}"

    def has_perm(self, *args, **kwargs) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as 'Authorization: Bearer <key>'."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The API key contains invalid characters."))
        from pom import selectors, services

        key = selectors.api_key_by_hash(key_hash=hash_key(raw))
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if key.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This API key expired on %(expires_at)s UTC; use its replacement or create a new one.")
                % {"expires_at": format(key.expires_at, "%Y-%m-%d %H:%M")}
            )
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            services.api_key_touch(key=key, now=now)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Rate limit per API key (scope `apikey`)."""

    scope = "apikey"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class UserRateThrottle(throttling.UserRateThrottle):
    """Rate limit per signed-in user; API keys are limited per key by `ApiKeyRateThrottle` instead.

    DRF's own class keys on `request.user.pk`, which an `ApiKeyPrincipal` does not have: every
    key of every organization would share one bucket.
    """

    def get_cache_key(self, request, view):
        if isinstance(request.user, ApiKeyPrincipal):
            return None
        return super().get_cache_key(request, view)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "pom.api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Organization API key"}
