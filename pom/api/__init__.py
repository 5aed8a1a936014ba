from pom.api.base import HasOrgRole, OrgMixin, OrgScopedPK, OrgViewSet, Pagination

__all__ = ["HasOrgRole", "OrgMixin", "OrgScopedPK", "OrgViewSet", "Pagination"]
