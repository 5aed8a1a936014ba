"""The sweep's world: two organizations, A (the victim) with one real row of every tenant model, and B
(the attacker) with its own people, keys and a workspace.

Every model with an `organization` field gets one row in A, built in foreign-key order: each required
field gets a plain value of its type (the first choice of a choice field), each foreign key A's row of
the target model. One row per model keeps the graph consistent by construction (the key result's plan
is the plan of its objective, because there is one plan). Rows a route reads that the generic rule
cannot make well (users, keys with their raw value, workspaces with members and a share link) are built
explicitly first. The whole world is built inside one transaction per test module and rolled back after.
"""

from __future__ import annotations

import decimal
import hashlib
import itertools
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from pom import rls
from pom.models import Organization, Role, User
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PartnershipFactory,
    UserFactory,
    WorkspaceFactory,
    WorkspaceMemberFactory,
    WorkspacePartnershipFactory,
)

_counter = itertools.count(1)


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model whose rows belong to one organization."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if "organization" in names:
            found.append(model)
    return found


def _required_fks(model) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.many_to_one | f.one_to_one and f.name != "organization" and not f.null
    ]


def _ordered(models_: list) -> list:
    """Tenant models in an order where each comes after the tenant models its required keys point at."""
    pending, done, order = list(models_), set(), []
    tenant = set(models_)
    while pending:
        progressed = False
        for model in list(pending):
            deps = {f.related_model for f in _required_fks(model)} & tenant - {model}
            if deps <= done:
                order.append(model)
                done.add(model)
                pending.remove(model)
                progressed = True
        if not progressed:
            raise RuntimeError(f"foreign-key cycle among {[m.__name__ for m in pending]}")
    return order


def _value(f, world: World):
    n = next(_counter)
    if f.choices:
        return f.choices[0][0] if not isinstance(f.choices[0][1], (list, tuple)) else f.choices[0][1][0][0]
    if isinstance(f, models.EmailField):
        return f"sweep{n}@example.com"
    if isinstance(f, models.URLField):
        return "https://hooks.example.com/sweep"
    if isinstance(f, (models.FileField,)):
        return f"sweep/file{n}.txt"
    if isinstance(f, models.SlugField):
        return f"sweep-{n}"[: f.max_length]
    if isinstance(f, models.CharField):
        if "hash" in f.name:
            return hashlib.sha256(f"sweep-{n}".encode()).hexdigest()[: f.max_length]
        return f"Sweep {f.name} {n}"[: f.max_length]
    if isinstance(f, models.TextField):
        return f"Sweep {f.name}"
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.DecimalField):
        return decimal.Decimal("1")
    if isinstance(f, (models.IntegerField, models.FloatField)):
        return 1
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return timezone.localdate()
    if isinstance(f, models.UUIDField):
        return uuid.uuid4()
    if isinstance(f, models.JSONField):
        return {}
    if isinstance(f, models.GenericIPAddressField):
        return "127.0.0.1"
    raise TypeError(f"sweep world: no value rule for {f.model.__name__}.{f.name} ({type(f).__name__})")


@dataclass
class World:
    a: Organization
    b: Organization
    rows: dict = field(default_factory=dict)  # model → A's row
    people: dict = field(default_factory=dict)  # name → User
    keys: dict = field(default_factory=dict)  # "read"/"write" → B's raw API key
    share_token: str = ""
    b_share_token: str = ""

    def __getitem__(self, model):
        return self.rows[model]

    def build_row(self, model, **given):
        """One row of `model` in A: `given` values, A's rows for foreign keys, plain values elsewhere."""
        values = {"organization": self.a}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name in values or f.name in given:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue
            if f.is_relation:
                target = f.related_model
                if target in self.rows:
                    values[f.name] = self.rows[target]
                elif target is User and not f.null:
                    values[f.name] = self.people["a_owner"]
                elif target is Organization and not f.null:
                    values[f.name] = self.a
                elif not f.null:
                    existing = target._default_manager.first()
                    if existing is None:
                        raise RuntimeError(f"sweep world: {model.__name__}.{f.name} needs a {target.__name__} row")
                    values[f.name] = existing
                continue
            if f.has_default() or f.null:
                continue
            if isinstance(f, (models.CharField, models.TextField)) and f.blank and not f.choices:
                continue
            values[f.name] = _value(f, self)
        values.update(given)
        return model._default_manager.create(**values)


def _singleton_of_org(model) -> bool:
    f = model._meta.get_field("organization")
    return f.one_to_one or f.unique


def build() -> World:
    """Build A and B (call inside a transaction: the sweep rolls the world back at the end of a module)."""
    from pom import services as pom_services
    from workspaces.models import Side, Workspace, WorkspaceMember, WorkspacePartnership, WorkspaceRole
    from workspaces.services import hash_token

    a = OrganizationFactory(name="Victim Corp", slug="victim")
    b = OrganizationFactory(name="Attacker Inc", slug="attacker")
    world = World(a=a, b=b)
    people = world.people
    a_owner = MembershipFactory(organization=a, role=Role.OWNER, user__email="owner@victim.example")
    world.rows[type(a_owner)] = a_owner
    people["a_owner"] = a_owner.user
    for role in (Role.OWNER, Role.VIEWER):
        people[f"b_{role}"] = MembershipFactory(organization=b, role=role, user__email=f"{role}@attacker.example").user
    people["outsider"] = UserFactory(email="outsider@nowhere.example")
    for scope in ("read", "write"):
        _key, raw = pom_services.api_key_create(org=b, actor=people["b_owner"], name=f"B {scope}", scope=scope)
        world.keys[scope] = raw

    # A's workspace W1 (the target) for partnership P1, and W2 for another partnership with its own guest.
    p1 = PartnershipFactory(organization=a)
    world.rows.update({type(p1): p1, type(p1.partner): p1.partner, type(p1.program): p1.program})
    w1 = WorkspaceFactory(organization=a, name="Victim deal room")
    world.share_token = f"share-{uuid.uuid4().hex}"
    w1.share_token_hash, w1.share_enabled, w1.share_created_at = hash_token(world.share_token), True, timezone.now()
    w1.save()
    world.rows[Workspace] = w1
    world.rows[WorkspacePartnership] = WorkspacePartnershipFactory(workspace=w1, partnership=p1)
    people["a_guest"] = UserFactory(email="guest@victim-partner.example")
    world.rows[WorkspaceMember] = WorkspaceMemberFactory(
        workspace=w1, user=people["a_guest"], side=Side.PARTNER, role=WorkspaceRole.EDITOR
    )
    w2 = WorkspacePartnershipFactory(
        partnership=PartnershipFactory(organization=a), workspace__organization=a
    ).workspace
    people["other_guest"] = WorkspaceMemberFactory(workspace=w2, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user
    # B's own workspace, with a partner person of B's.
    wb = WorkspacePartnershipFactory(
        partnership=PartnershipFactory(organization=b), workspace__organization=b
    ).workspace
    world.b_share_token = f"share-{uuid.uuid4().hex}"
    wb.share_token_hash, wb.share_enabled, wb.share_created_at = hash_token(world.b_share_token), True, timezone.now()
    wb.save()
    people["b_guest"] = WorkspaceMemberFactory(workspace=wb, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user

    for model in _ordered(tenant_models()):
        if model in world.rows:
            continue
        if _singleton_of_org(model):
            existing = model._default_manager.filter(organization=a).first()
            if existing is not None:
                world.rows[model] = existing
                continue
        with transaction.atomic():
            world.rows[model] = world.build_row(model)
    # A staff member who is not a superuser, owner of B, allowed every admin view of every tenant model.
    people["clerk"] = MembershipFactory(
        organization=b, role=Role.OWNER, user__email="clerk@attacker.example", user__is_staff=True
    ).user
    types = ContentType.objects.get_for_models(*tenant_models()).values()
    people["clerk"].user_permissions.add(*Permission.objects.filter(content_type__in=types))
    return world


def snapshot(org: Organization) -> dict[str, tuple[int, int]]:
    """Each tenant table's row count and a hash of its rows for `org`, in one query.

    The sweep asks after every route: the query (a union over every tenant table) is prepared once per
    database session, as planning it takes five times as long as running it."""
    reason = "the sweep compares the victim's rows before and after"
    name = f"pom_sweep_snapshot_{int(org.pk)}"
    with rls.all_organizations(reason), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [name])
        if cursor.fetchone() is None:
            tables = sorted({m._meta.db_table for m in tenant_models()})
            parts = [
                f"SELECT '{t}', count(*), coalesce(sum(hashtextextended(x::text, 0)), 0)"
                f" FROM {connection.ops.quote_name(t)} x WHERE x.organization_id = {int(org.pk)}"
                for t in tables
            ]
            cursor.execute(f"PREPARE {name} AS " + " UNION ALL ".join(parts))
        cursor.execute(f"EXECUTE {name}")
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
