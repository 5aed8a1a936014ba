"""Tenant-scoped API building blocks: `pom.api.base` (OrgViewSet, ServiceViewSet, HasOrgRole, OrgScopedPK)."""
