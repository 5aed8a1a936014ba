"""Tenant-scoped API building blocks; `from pom.api import OrgViewSet` resolves lazily.

Lazy because DRF imports `pom.api.auth` while `rest_framework.views` is still loading, and the
building blocks in `pom.api.base` need `rest_framework.views`.
"""

__all__ = ["HasOrgRole", "OrgMixin", "OrgScopedPK", "OrgViewSet", "Pagination"]


def __getattr__(name: str):
    if name in __all__:
        from pom.api import base

        return getattr(base, name)
    raise AttributeError(name)
