"""Shared fixtures: org, other_org, users of each role, an outsider, and logged-in clients."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management.commands import flush as flush_command
from django.db.backends.base.creation import BaseDatabaseCreation
from django.test import Client
from rest_framework.test import APIClient

from pom import celery_app
from pom.models import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.httpserver import receiver  # noqa: F401  (a real local HTTP server for outbound calls)
from tests.oidc_op.fixture import oidc_provider  # noqa: F401  (a real OpenID provider in its own process)
from tests.saml_idp.fixture import saml_idp  # noqa: F401  (a real SAML identity provider in its own process)
from tests.worker import (  # noqa: F401  (fixtures for worker tests)
    celery_prefork_worker_process,
    celery_worker_process,
    worker_env,
    worker_redis_url,
)

# Fast hashing for the many users tests create; production keeps Django's defaults.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A cache private to each test process: with REDIS_URL set, clearing a shared Redis cache between
# tests would wipe the counters of the other xdist processes.
settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# WhiteNoise indexes every collected static file (STATIC_ROOT, ~1,400 once `collectstatic` or the load
# bench ran) when a handler loads its middleware, and each test client loads its own: ~100 ms per client.
# Looking a static URL up when it is asked for, as in development, costs nothing for the pages tests ask.
settings.WHITENOISE_AUTOREFRESH = True
# Tests run tasks inline unless a test starts a real worker (see tests/worker.py).
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


def _deserialize_into_empty(self, data):
    """Django restores a `serialized_rollback` test's rows assuming the database is empty. A transactional
    test flushed before it re-runs post_migrate, which recreates content types under new ids that then
    collide with the restored ones; so start from an empty database, as Django assumes."""
    from django.core.management import call_command

    call_command("flush", database=self.connection.alias, interactive=False, inhibit_post_migrate=True, verbosity=0)
    _deserialize_db_from_string(self, data)


_deserialize_db_from_string = BaseDatabaseCreation.deserialize_db_from_string
BaseDatabaseCreation.deserialize_db_from_string = _deserialize_into_empty


def _set_app_role(sender, connection, **kwargs):
    """Work as the application role. Test code itself builds rows in any organization (the session
    default lifts the wall); each request and task sets its own scope over it, as in production."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {connection.ops.quote_name(settings.POM_DB_APP_ROLE)}")
            cursor.execute("SELECT set_config('pom.all_orgs', 'on', false)")


def _flush_as_owner(self, **options):
    """Emptying the test database between transactional tests (TRUNCATE) is the owner's work, as
    `migrate` is: the app role may not truncate. The connection works as the app role again after."""
    from django.db import connections

    connection = connections[options.get("database") or "default"]
    role = settings.POM_DB_APP_ROLE
    if not role or connection.vendor != "postgresql":
        return _flush_handle(self, **options)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [role])
        as_app = cursor.fetchone()[0]
        if as_app:
            cursor.execute("RESET ROLE")
    try:
        return _flush_handle(self, **options)
    finally:
        if as_app:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")


_flush_handle = flush_command.Command.handle
flush_command.Command.handle = _flush_as_owner


def _app_role_on(connection):
    """With POM_DB_APP_ROLE on PostgreSQL: after the test database is created and migrated (as its
    owner), every connection works as the application role, so row-level security applies to the
    whole suite (docs/tenancy.md). The role is created when missing; it owns nothing."""
    from django.db.backends.signals import connection_created

    from pom import rls

    role = settings.POM_DB_APP_ROLE
    if not role or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {connection.ops.quote_name(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    rls.grant(connection, role)
    _set_app_role(None, connection)
    connection_created.connect(_set_app_role, dispatch_uid="pom-test-app-role")
    return True


def _app_role_off(connection):
    from django.db.backends.signals import connection_created

    connection_created.disconnect(dispatch_uid="pom-test-app-role")
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's database setup, but on PostgreSQL each process clones one migrated template
    database instead of migrating its own (tests/dbtemplate.py)."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    from tests import dbtemplate

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        if aliases and dbtemplate.usable(
            connections["default"], use_migrations=django_db_use_migrations, keepdb=keepdb
        ):
            db_cfg = dbtemplate.setup(serialized_aliases)
        else:
            if not django_db_use_migrations:
                from pytest_django.fixtures import _disable_migrations

                _disable_migrations()
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
        app_role = _app_role_on(connections["default"])
    yield
    with django_db_blocker.unblock():
        if app_role:
            _app_role_off(connections["default"])
        if not keepdb:
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


# The longest test file starts first, so no process is left running it alone at the end (pytest-xdist's
# loadfile hands out files in collection order). Only that one: starting every browser and worker test
# at once made them contend for the two cores (measured slower). docs/development.md lists the slow ones.
SLOW_FIRST = ("tests/pom/test_seed_demo.py",)  # seeds the small demo once, then every admin page (48 s at load 5.5)


def _slow_rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return next((rank for rank, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_slow_rank)  # stable: the order inside each file is kept


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached values never leak from one test into another."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Nimbus Cloud", slug="nimbus")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Rival Soft", slug="rival")


def _member(org, role):
    return MembershipFactory(organization=org, role=role).user


@pytest.fixture
def owner(org):
    return _member(org, Role.OWNER)


@pytest.fixture
def admin_user(org):
    return _member(org, Role.ADMIN)


@pytest.fixture
def member(org):
    """A partner manager: role manager in `org`."""
    return _member(org, Role.MANAGER)


@pytest.fixture
def viewer(org):
    return _member(org, Role.VIEWER)


@pytest.fixture
def other_member(other_org):
    return _member(other_org, Role.OWNER)


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.net")


@pytest.fixture
def client_for():
    """`client_for(user)`: a Django test client logged in as `user` (anonymous for None)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for():
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def member_client(member, client_for):
    return client_for(member)


@pytest.fixture
def api_client(member, api_client_for):
    return api_client_for(member)


@pytest.fixture
def api_key_client(org, owner):
    """`api_key_client(scope="read"|"write", org=org)`: an APIClient sending a Bearer key."""
    from pom import services

    def make(scope: str = "write", for_org=None) -> APIClient:
        target = for_org or org
        creator = owner if target == org else MembershipFactory(organization=target, role=Role.OWNER).user
        _key, raw = services.api_key_create(org=target, actor=creator, name=f"{scope} key", scope=scope)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
