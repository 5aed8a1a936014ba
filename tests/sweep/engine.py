"""The route sweep: every organization route, partner-portal route and share link, requested with the
victim's real ids by every principal who must not reach them, for every method the view accepts.

Who asks, and what they must get (A = the victim organization, B = the attacker):

- org level: B's owner and viewer, an outsider, a partner guest of A's other workspace (and, on the
  API, B's read and write keys), with A's slug and A's ids: 404.
- object level: B's owner and viewer (and B's keys on the API), with B's slug and A's ids: 404; 403
  only when the same request with an id that exists nowhere also answers 403 (a role refusal that
  says nothing about A's row).
- portal: partner guests of A's other workspace and of B's workspace, B's owner, an outsider, with A's
  workspace id and A's ids: 404.
- tokens: everyone, with a token that was never issued: 404 (valid tokens of A: test_sweep_tokens.py).
- anonymous: pages redirect to log in (or 404); the API answers 401/403.
- a person's own pages and the ways in (/accounts/, /orgs/): they name nothing of A's to B's people,
  outsiders and guests (tests/sweep/accounts.py); the Django admin: tests/sweep/admin.py.

Nothing else is accepted: no 200, 302, 400 or 405 that "equals the answer for a missing id" (a
POST-only action looks its object up before answering 405; an API action before reading the body).

After each route, A's rows (count and hash of every tenant table) must be what they were before the
sweep began; a difference fails naming the route and the tables.

`ROUTES` (tests/sweep/table.py) says how to fill each route's URL: `pk` names the model whose row of A
the route's `pk` takes, other kwargs have one resolver per name (`KWARGS`) unless the entry gives a
value. A route with no entry fails `test_every_route_has_an_entry` with the line to add.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

ORG_PREFIXES = ("o/", "api/o/", "w/", "api/w/")
# Routes outside an organization's address: a person's own account, organization creation and
# switching, the two e-mailed tokens, and the Django admin (tests/sweep/accounts.py, tests/sweep/admin.py).
ACCOUNT_PREFIXES = ("accounts/", "orgs/", "invitations/", "assessments/")
ADMIN_PREFIX = "admin/"
PREFIXES = ORG_PREFIXES + ACCOUNT_PREFIXES + (ADMIN_PREFIX,)
MISSING_ID = 2_000_000_000
# On B's own slug the only answer besides 404 is a role refusal that comes before any lookup: 403, and
# only when the same request with an id that exists nowhere answers 403 too (it tells nothing about A's row).
SAME_AS_MISSING = (403,)
MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-00000000dead")


@dataclass(frozen=True)
class R:
    """One route's entry. `pk`: model name of the row `pk` takes; other fields fill kwargs by name.
    `own`: the route only shows the caller's own rows and takes no id (only the anonymous check applies).
    `token`: the route takes a capability token; the sweep sends one that was never issued."""

    pk: str | None = None
    link_pk: str | None = None
    public_id: str | None = None
    action: str | None = None
    what: str | None = None
    decision: str | None = None
    verdict: str | None = None
    kind: str | None = None
    tab: str | None = None
    element: str | None = None
    code: str | None = None
    panel: str | None = None
    fmt: str | None = None
    own: str | None = None
    token: str | None = None
    # Outside an organization's address (see tests/sweep/accounts.py and admin.py):
    public: str | None = None  # anyone may open it (signing in, signing up): it must show nothing of A's
    admin: str | None = None  # a Django admin view: "changelist", "add", "change", "delete", "history"...
    key: str | None = None


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str  # the full route, e.g. "api/o/<slug:org_slug>/^partners/(?P<pk>[^/.]+)/$"
    methods: tuple[str, ...]
    kwargs: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def is_org(self) -> bool:
        return self.pattern.startswith(("o/", "api/o/"))

    @property
    def is_account(self) -> bool:
        return self.pattern.startswith(ACCOUNT_PREFIXES)

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith(ADMIN_PREFIX)


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from _walk(entry.url_patterns, route, f"{namespace}:{ns}" if namespace and ns else ns or namespace)
        elif isinstance(entry, URLPattern):
            yield route, entry, namespace


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(actions))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:  # a function view (the admin's, SAML's): it answers whatever it is sent
        return ("get", "post")
    allowed = getattr(callback, "view_initkwargs", {}).get("http_method_names", cls.http_method_names)
    return tuple(m for m in ("get", "post", "put", "patch", "delete") if m in allowed and hasattr(cls, m))


def discover() -> list[Route]:
    """Every swept route (format-suffix duplicates of API routes left out: same view, same door)."""
    found = {}
    for pattern, entry, namespace in _walk(get_resolver().url_patterns):
        if not pattern.startswith(PREFIXES) or "(?P<format>" in pattern:
            continue
        name = entry.name or pattern  # an unnamed route (the admin's object redirect) goes by its pattern
        name = f"{namespace}:{name}" if namespace else name
        kwargs = tuple(
            a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern) if (a or b) != "org_slug"
        )
        found[name] = Route(name, pattern, _methods(entry.callback), kwargs)
    return sorted(found.values(), key=lambda r: r.pattern)


def model(name: str):
    matches = [m for m in apps.get_models() if m.__name__ == name]
    assert len(matches) == 1, f"model name {name!r} matches {matches}"
    return matches[0]


def _row(world, name):
    return world[model(name)]


def _content_type(name):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model(name)).pk


# One resolver per kwarg name: A's row, or a value that makes the request meaningful.
KWARGS = {
    "partnership_pk": lambda w, e: _row(w, "Partnership").pk,
    "partner_pk": lambda w, e: _row(w, "Partner").pk,
    "workspace_id": lambda w, e: _row(w, "Workspace").public_id,
    "file_id": lambda w, e: _row(w, "WorkspaceFile").public_id,
    "proof_id": lambda w, e: _row(w, "MdfProof").public_id,
    "match_pk": lambda w, e: _row(w, "AccountMatch").pk,
    "step_pk": lambda w, e: _row(w, "JourneyStep").pk,
    "mail_pk": lambda w, e: _row(w, "DigestMail").pk,
    "list_pk": lambda w, e: _row(w, "PartnerAccountList").pk,
    "job_pk": lambda w, e: _row(w, "Job").pk,
    "account_pk": lambda w, e: _row(w, "Account").pk,
    "pk": lambda w, e: _row(w, e.pk).pk,
    "link_pk": lambda w, e: _row(w, e.link_pk).pk,
    "public_id": lambda w, e: _row(w, e.public_id).public_id,
    "year": lambda w, e: timezone.localdate().year,
    "key": lambda w, e: "portfolio",
    "list_key": lambda w, e: "partners",
    "metric": lambda w, e: "win_rate",
    "token": lambda w, e: f"never-issued-{uuid.uuid4().hex}",
    "object_id": lambda w, e: _row(w, e.pk).pk if e.pk else MISSING_ID,
    "id": lambda w, e: w.people["a_owner"].pk,
    "organization_slug": lambda w, e: w.a.slug,
    "provider_id": lambda w, e: "victim-oidc",
    "uidb36": lambda w, e: "1",
    "app_label": lambda w, e: "partners",
    "url": lambda w, e: "no-such-page/",
    "content_type_id": lambda w, e: _content_type(e.pk),
}
ID_KWARGS = {"pk", "link_pk", "public_id", "workspace_id", "file_id", "proof_id", "object_id"} | {
    k for k in KWARGS if k.endswith("_pk")
}


def fill(route: Route, entry: R, world, *, missing: bool = False) -> dict:
    """The route's kwargs with A's rows (or, `missing`, ids that exist in no organization)."""
    values = {}
    for name in route.kwargs:
        given = getattr(entry, name, None)
        if missing and name in ID_KWARGS:
            sample = KWARGS[name](world, entry)
            values[name] = MISSING_UUID if isinstance(sample, uuid.UUID) else MISSING_ID
        elif given is not None and name not in ("pk", "link_pk", "public_id", "object_id"):
            values[name] = given
        elif name in KWARGS:
            values[name] = KWARGS[name](world, entry)
        else:
            raise AssertionError(f"{route.name}: no value for URL kwarg {name!r}; give one in its ROUTES entry")
    return values


def path(route: Route, slug: str | None, kwargs: dict) -> str:
    text = route.pattern.replace("^", "").replace("$", "")
    if slug is not None:
        text = text.replace("<slug:org_slug>", slug)
    for name, value in kwargs.items():
        text = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), text)
    assert "<" not in text and "(?P" not in text, f"{route.name}: unfilled {text}"
    return "/" + text.replace("//", "/")


def send(client: Client, route: Route, method: str, url: str):
    if method == "get":
        return client.get(url)
    if route.is_api:
        return getattr(client, method)(url, data="{}", content_type="application/json")
    if method == "post":
        return client.post(url, data={})
    return getattr(client, method)(url)


class Sweep:
    """The world, one signed-in client per principal (logged in once per module), and A's baseline."""

    def __init__(self, world, baseline):
        self.world, self.baseline = world, baseline
        people = world.people
        self.clients = {
            name: _client(people[name]) for name in ("b_owner", "b_viewer", "outsider", "other_guest", "b_guest")
        }
        self.clients["anonymous"] = Client()
        for scope, raw in world.keys.items():
            self.clients[f"b_{scope}_key"] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def cases(self, route: Route, entry: R):
        """(principal, slug, missing?) triples the route must refuse."""
        if entry.own or entry.token or entry.public:
            return
        if route.is_org:
            keys = ("b_read_key", "b_write_key") if route.is_api else ()
            for who in ("b_owner", "b_viewer", "outsider", "other_guest", *keys):
                yield who, self.world.a.slug
            if set(route.kwargs) & ID_KWARGS:
                for who in ("b_owner", "b_viewer", *keys):
                    yield who, self.world.b.slug
        else:
            for who in ("other_guest", "b_guest", "b_owner", "outsider"):
                yield who, None

    def check(self, route: Route, entry: R) -> list[str]:
        """Every refusal the route owes; returns the failures (empty when the route keeps its door)."""
        if route.is_admin:
            from tests.sweep import admin

            return admin.check(self, route, entry)
        failures = []
        world = self.world
        if route.is_account and (entry.own or entry.public):
            from tests.sweep import accounts

            failures += accounts.shows_nothing_of_a(self, route, entry)
        real = fill(route, entry, world)
        for who, slug in self.cases(route, entry):
            url = path(route, slug, real)
            for method in route.methods:
                response = send(self.clients[who], route, method, url)
                status = response.status_code
                if status == 404:
                    continue
                if slug == world.b.slug and status in SAME_AS_MISSING:
                    missing = fill(route, entry, world, missing=True)
                    other = send(self.clients[who], route, method, path(route, slug, missing))
                    if _same_answer(response, other, missing, real):
                        continue
                failures.append(f"{method.upper()} {url} as {who}: {status}")
        if entry.token:
            url = path(route, None, real)
            for who in ("anonymous", "b_owner", "other_guest", "b_guest"):
                for method in route.methods:
                    response = send(self.clients[who], route, method, url)
                    status = response.status_code
                    if who == "anonymous" and status == 302 and "/accounts/login/" in response["Location"]:
                        continue
                    if status != 404:
                        failures.append(f"{method.upper()} {url} (never-issued token) as {who}: {status}")
        url = path(route, world.a.slug if route.is_org else None, real)
        for method in route.methods:
            if entry.token or entry.public:
                break
            response = send(self.clients["anonymous"], route, method, url)
            status = response.status_code
            if route.is_api:
                ok = status in (401, 403)
            else:
                ok = status == 404 or (status == 302 and "/accounts/login/" in response["Location"])
            if not ok:
                failures.append(f"{method.upper()} {url} as anonymous: {status}")
        return failures


def _same_answer(response, other, missing: dict, real: dict) -> bool:
    """The answer to A's id is the answer to an id that exists nowhere (a redirect's target compared
    with the id put back): it tells the caller nothing about A's row."""
    if response.status_code != other.status_code:
        return False
    location = other.get("Location", "")
    for name, value in missing.items():
        location = location.replace(f"/{value}/", f"/{real[name]}/")
    return response.get("Location", "") == location


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
