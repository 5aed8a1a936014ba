"""Every POM model in the Django admin, each with list filters and search, and every admin write audited.

Apps register what they want to show in their `admin.py`; once all of them are loaded
(`PomConfig.ready`, after the admin's autodiscovery) `complete(site)`:

- registers the models no app registered, with a ModelAdmin built from their fields;
- gives every ModelAdmin of POM's apps list filters (organization, choices, booleans, dates) and
  search fields (names, titles, e-mails) when it has none, raw-id widgets for foreign keys (a select of
  every user or partner would not load at scale) and `list_select_related` for the foreign keys it lists;
- audits admin saves and deletions in the organization's trail (`pom.audit`, actor = the staff user),
  and changes an organization's profile through `pom.services.organization_update`.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models, transaction

APPS = ("pom", "partners", "plans", "attribution", "workspaces", "reports")
SEARCHABLE = ("name", "title", "email", "slug", "domain", "customer_name", "label", "subject", "code", "prefix")
SECRET = ("hash", "secret", "token", "encrypted", "password")


def _org_of(obj):
    from pom.models import Organization

    if isinstance(obj, Organization):
        return obj
    org_id = getattr(obj, "organization_id", None)
    return Organization.objects.filter(pk=org_id).first() if org_id else None


class AuditedAdminMixin:
    """Admin writes leave the same audit lines as the services' writes."""

    def save_model(self, request, obj, form, change):
        from pom import audit, services
        from pom.models import Organization

        with transaction.atomic():
            if change and isinstance(obj, Organization) and form.changed_data:
                fields = [f for f in form.changed_data if f in {f.name for f in obj._meta.concrete_fields}]
                data = {name: form.cleaned_data[name] for name in fields}
                fresh = Organization.objects.get(pk=obj.pk)
                services.organization_update(org=fresh, actor=request.user, data=data)
                obj.refresh_from_db()
                return
            before = None
            if change:
                original = type(obj)._default_manager.filter(pk=obj.pk).first()
                before = audit.snapshot(original) if original is not None else None
            super().save_model(request, obj, form, change)
            org = _org_of(obj)
            if org is None:
                return
            if before is None:
                audit.audit_create(org=org, actor=request.user, obj=obj)
            else:
                audit.audit_update(org=org, actor=request.user, obj=obj, before=before)

    def delete_model(self, request, obj):
        from pom import audit
        from pom.models import Organization

        with transaction.atomic():
            org = _org_of(obj)
            if org is not None and not isinstance(obj, Organization):
                audit.audit_delete(org=org, actor=request.user, obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def _fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _list_filter(model) -> list[str]:
    names = []
    for field in _fields(model):
        if field.name == "organization" or field.choices or isinstance(field, models.BooleanField):
            names.append(field.name)
    for field in _fields(model):
        if isinstance(field, models.DateTimeField | models.DateField) and field.name != "updated_at":
            names.append(field.name)
            break
    return names[:6] or [_fields(model)[0].name]


def _search_fields(model) -> list[str]:
    names = [
        f.name
        for f in _fields(model)
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not any(s in f.name for s in SECRET)
        and (f.name in SEARCHABLE or isinstance(f, models.CharField))
    ]
    names.sort(key=lambda n: (n not in SEARCHABLE, n))
    names = names[:4]
    for field in _fields(model):
        if isinstance(field, models.ForeignKey) and field.name != "organization":
            related = {f.name for f in field.related_model._meta.concrete_fields}
            for candidate in ("name", "email", "title"):
                if candidate in related:
                    names.append(f"{field.name}__{candidate}")
                    break
        if len(names) >= 6:
            break
    return names or ["id"]


def _list_display(model) -> list[str]:
    shown = ["__str__"]
    for field in _fields(model):
        if any(s in field.name for s in SECRET) or isinstance(field, models.TextField | models.JSONField):
            continue
        shown.append(field.name)
        if len(shown) >= 6:
            break
    return shown


def _fks(model) -> list:
    return [
        f
        for f in _fields(model)
        if isinstance(f, models.ForeignKey | models.OneToOneField) and f.name != "organization"
    ]


def _joins(model, shown) -> list[str]:
    """Foreign keys a list row renders: the listed ones and, since a row's or a listed object's `__str__`
    often names what it points at (a partnership is "partner · program"), their own foreign keys too."""
    joins = ["organization"] if "organization" in shown else []
    listed = [f for f in _fks(model) if f.name in shown]
    if "__str__" in shown or not listed:
        for field in _fks(model):
            joins.append(field.name)
            joins.extend(f"{field.name}__{g.name}" for g in _fks(field.related_model))
    for field in listed:
        joins.append(field.name)
        joins.extend(f"{field.name}__{g.name}" for g in _fks(field.related_model))
    return list(dict.fromkeys(joins))


def _admin_for(model, base: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    attrs: dict = {"__module__": __name__}
    existing = base(model, admin.site)
    if not existing.list_filter:
        attrs["list_filter"] = _list_filter(model)
    if not existing.search_fields:
        attrs["search_fields"] = _search_fields(model)
    if base is admin.ModelAdmin:
        attrs["list_display"] = _list_display(model)
    fks = [f.name for f in _fields(model) if isinstance(f, models.ForeignKey | models.OneToOneField)]
    if not existing.raw_id_fields and not existing.autocomplete_fields:
        attrs["raw_id_fields"] = [name for name in fks if name not in (existing.readonly_fields or ())]
    shown = attrs.get("list_display", existing.list_display)
    joins = _joins(model, shown)
    if existing.list_select_related is not True and joins:
        already = list(existing.list_select_related or [])
        attrs["list_select_related"] = sorted(set(already) | set(joins))
    bases = (base,) if issubclass(base, AuditedAdminMixin) else (AuditedAdminMixin, base)
    return type(f"{model.__name__}AutoAdmin", bases, attrs)


def _fix_username_search(site: admin.AdminSite) -> None:
    """Packages' admins that search `user__username` fail on POM's e-mail-only user: search e-mail."""
    for model_admin in list(site._registry.values()):
        fields = list(model_admin.search_fields or ())
        if any(f.endswith("username") for f in fields):
            model_admin.search_fields = [
                f[: -len("username")] + "email" if f.endswith("username") else f for f in fields
            ]


def complete(site: admin.AdminSite) -> None:
    _fix_username_search(site)
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.abstract or model._meta.proxy and model in site._registry:
                continue
            current = site._registry.get(model)
            base = type(current) if current is not None else admin.ModelAdmin
            if current is not None:
                site.unregister(model)
            site.register(model, _admin_for(model, base))
