"""Build the demo vendor: Nimbus Cloud, a cloud software company with users of every role.

Each app adds its own demo data in `<app>/demo.py` with `seed(ctx: DemoContext)`, called in
dependency order (partners, plans, attribution, workspaces, reports). Re-running is safe: an
existing demo organization is kept unless `--reset` is given.

`--size small` builds the same demo over fewer partners (14 of 40: every status, type and program),
with shorter histories: every kind of object and every invariant of the full demo, for the test suite
(tests/pom/test_seed_demo.py). `make run` seeds the full demo.
"""

from __future__ import annotations

import contextlib
import logging
import random
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from pom import hooks, rls, services
from pom.models import Industry, Membership, Organization, OrgOwned, Region, Role, SizeBand, User

DEMO_SLUG = "nimbus"
DEMO_PASSWORD = "pom-demo-2026"
DEMO_SIZES = ("full", "small")
SUPERUSER = ("Site admin (/admin/)", "root@pom.example", "Sam Staff")


@dataclass
class DemoContext:
    org: Organization
    users: dict[str, User]  # by role: owner, admin, manager, viewer
    rng: random.Random
    password: str = DEMO_PASSWORD
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (who, e-mail, password)
    data: dict = field(default_factory=dict)  # what one app's seed hands to the next
    size: str = "full"  # or "small": the same kinds of objects over fewer partners (DEMO_SIZES)

    @property
    def small(self) -> bool:
        return self.size == "small"

    def user(self, email: str, name: str, password: str | None = None) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"name": name})
        if created:
            user.set_password(password or self.password)
            user.save(update_fields=["password"])
            _verify_email(user)
        return user


def _verify_email(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


def _purge(org: Organization) -> None:
    """Delete the organization with all its rows, children before the rows they protect.

    Rows of one organization may point at each other with PROTECT, which stops a plain
    `org.delete()`; deleting model by model, retrying the blocked ones, unwinds any order.
    """
    from django.apps import apps
    from django.db.models import ProtectedError, RestrictedError

    pending = [m for m in apps.get_models() if issubclass(m, OrgOwned)]
    for _ in range(len(pending) + 1):
        blocked = []
        for model in pending:
            try:
                with transaction.atomic():
                    model.objects.for_org(org).delete()
            except (ProtectedError, RestrictedError):
                blocked.append(model)
        if not blocked:
            break
        pending = blocked
    org.delete()


def _other_vendors() -> list[dict]:
    from workspaces.demo_vendors import VENDORS

    return VENDORS


def _superuser(ctx: DemoContext) -> User:
    """A staff superuser for /admin/ (printed with the other logins); no membership anywhere."""
    _who, email, name = SUPERUSER
    user = ctx.user(email, name)
    if not (user.is_staff and user.is_superuser):
        User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return user


@contextlib.contextmanager
def _quiet_logging():
    """Celery's inline task runs and POM's job loggers say a line per task: not while seeding."""
    names = ["celery", "celery.app.trace", "celery.task", "pom", "partners", "plans", "attribution", "workspaces"]
    loggers = [logging.getLogger(name) for name in names + ["reports"]]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


STAFF = [
    (Role.OWNER, "olivia.owner@nimbus.example", "Olivia Owens"),
    (Role.ADMIN, "adam.admin@nimbus.example", "Adam Alvarez"),
    (Role.MANAGER, "maria.manager@nimbus.example", "Maria Moreau"),
    (Role.VIEWER, "victor.viewer@nimbus.example", "Victor Vogel"),
]


class Command(BaseCommand):
    help = "Create the Nimbus Cloud demo organization with users of each role and demo data."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo organization")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Where the server will answer (printed with the logins)"
        )
        parser.add_argument(
            "--size",
            choices=DEMO_SIZES,
            default="full",
            help="full (the default, for make run) or small: every kind of object over fewer partners (tests)",
        )

    def handle(self, *args, reset: bool = False, url: str = "http://127.0.0.1:8000", size: str = "full", **options):
        self.url = url.rstrip("/")
        staff = [(r.label, e, DEMO_PASSWORD) for r, e, _ in STAFF] + [(SUPERUSER[0], SUPERUSER[1], DEMO_PASSWORD)]
        existing = Organization.objects.filter(slug=DEMO_SLUG).first()
        if existing and not reset:
            self.stdout.write(self.style.WARNING("The demo organization exists; use --reset to rebuild it."))
            self._print_logins(staff, extra=[])
            return
        # Demo people have made-up addresses: the notifications the demo triggers are not sent anywhere;
        # the tasks it runs inline keep their per-task log lines to themselves.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            _quiet_logging(),
            # The demo is several organizations (vendors, partners' workspaces, benchmark peers): the
            # command works across them explicitly, as the owner would (row-level security, pom/rls.py).
            rls.all_organizations("seed_demo builds and purges the demo's several organizations"),
            transaction.atomic(),
        ):
            if existing:
                _purge(existing)
                from django.utils.text import slugify

                for vendor in Organization.objects.filter(slug__in=[slugify(v["name"]) for v in _other_vendors()]):
                    _purge(vendor)
            ctx = self._build(size)
        self.stdout.write(self.style.SUCCESS(f"Demo organization “{ctx.org.name}” is ready."))
        self._print_logins(staff, extra=ctx.logins)
        for note in ctx.data.get("notes", []):
            self.stdout.write(note)

    def _build(self, size: str = "full") -> DemoContext:
        rng = random.Random(2026)
        users = {}
        ctx = DemoContext(org=None, users=users, rng=rng, size=size)  # type: ignore[arg-type]
        owner_role, owner_email, owner_name = STAFF[0]
        users[owner_role] = ctx.user(owner_email, owner_name)
        org = services.organization_create(
            user=users[owner_role],
            name="Nimbus Cloud",
            size_band=SizeBand.M,
            region=Region.EMEA,
            industry=Industry.SOFTWARE,
            currency="EUR",
            fiscal_year_start_month=2,
        )
        if org.slug != DEMO_SLUG:
            Organization.objects.filter(pk=org.pk).update(slug=DEMO_SLUG)
            org.refresh_from_db()
        ctx.org = org
        for role, email, name in STAFF[1:]:
            users[role] = ctx.user(email, name)
            Membership.objects.get_or_create(organization=org, user=users[role], defaults={"role": role})
        for module in hooks.demo_modules():
            module.seed(ctx)
        from pom import demo_security  # webhooks, SSO, MFA and API keys, over the apps' data

        demo_security.seed(ctx)
        _superuser(ctx)
        return ctx

    def _print_logins(self, staff, extra):
        self.stdout.write(f"\nLog in at {self.url}/accounts/login/ with:")
        rows = [*staff, *extra]
        who_width = max(len(who) for who, _, _ in rows)
        email_width = max(len(email) for _, email, _ in rows)
        for who, email, password in rows:
            self.stdout.write(f"  {who:<{who_width}}  {email:<{email_width}}  {password}")
        if not extra:
            self.stdout.write("  (partner people's logins are printed when the demo is built: seed_demo --reset)")
        self.stdout.write("")
