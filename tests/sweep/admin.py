"""The Django admin in the sweep: only an active staff superuser (the platform's operators) works there
across organizations (pom.middleware.TenantScopeMiddleware, logged); nobody else sees a tenant's row.

Who asks, and what they must get, for each admin route with A's real ids (a fresh session each):

- anonymous and B's owner (not staff): every method of every admin page sends them to the admin's
  login (302 to /admin/login/?next=...), before any lookup.
- the clerk: staff but not superuser, B's owner, given every admin permission on every tenant model.
  Row-level security gives the admin no organization for them, so:
  - a changelist answers 200 and lists no row of A (its bulk delete of A's row, POSTed, deletes nothing);
  - the add page answers 200, or 403 where the model's admin takes no additions (nothing is written);
  - the change, delete and history pages of A's row answer exactly what they answer for an id that
    exists nowhere: 302 to the admin's index ("doesn't exist"), or 403 where the view checks the
    permission first (a change POST on a read-only admin);
  - the object's short address redirects to its change page exactly as a missing id does, and the
    "view on site" shortcut for A's row answers 404 (no tenant model has an address of its own today);
  - models that are not a tenant's (users, organizations, allauth's, Celery beat's): the clerk has no
    permission on them and their changelist answers 403;
  - the site's own pages (index, login, password change...) name nothing of A's.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.sweep import accounts, engine

METHODS = ("get", "post")


def _client(world, who) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.people[who])
    return client


def _send(client, method, url, data=None):
    return client.get(url) if method == "get" else client.post(url, data=data or {})


def check(sweep, route, entry) -> list[str]:
    world, failures = sweep.world, []
    real = engine.fill(route, entry, world)
    url = engine.path(route, None, real)
    login = reverse("admin:login")
    for who in ("anonymous", "b_owner"):
        client = _client(world, who)
        for method in METHODS:
            if route.name in ("admin:login", "admin:logout"):
                continue  # signing in and out: open to anyone, checked below like the site's pages
            response = _send(client, method, url)
            if not (response.status_code == 302 and response["Location"].startswith(login)):
                failures.append(f"{method.upper()} {url} as {who}: {response.status_code}, not the admin's login")
    clerk = _client(world, "clerk")
    kind = entry.admin
    if kind == "site":
        for who in ("anonymous", "b_owner", "clerk"):
            response = _client(world, who).get(url)
            if response.status_code >= 500 or (found := accounts.leaked(world, response)):
                failures.append(f"GET {url} as {who}: {response.status_code} {locals().get('found') or ''}")
        return failures
    if kind == "global":
        if route.name.endswith("_changelist") and (status := clerk.get(url).status_code) != 403:
            failures.append(f"GET {url} as clerk (no permission on it): {status}")
        return failures
    if kind == "changelist":
        a_pk = engine._row(world, entry.pk).pk
        response = clerk.get(url)
        if response.status_code != 200:
            failures.append(f"GET {url} as clerk (allowed to view): {response.status_code}")
        elif a_pk in [obj.pk for obj in response.context["cl"].result_list]:
            failures.append(f"GET {url} as clerk lists A's row {a_pk}")
        data = {"action": "delete_selected", "_selected_action": [a_pk], "post": "yes"}
        if (status := clerk.post(url, data=data).status_code) not in (200, 302):
            failures.append(f"POST {url} (delete A's row) as clerk: {status}")
        return failures
    if kind == "add":
        for method in METHODS:
            if (status := _send(clerk, method, url).status_code) not in (200, 403):
                failures.append(f"{method.upper()} {url} as clerk: {status}")
        return failures
    if kind == "view_on_site":
        if (status := clerk.get(url).status_code) != 404:
            failures.append(f"GET {url} as clerk: {status}")
        return failures
    missing = engine.fill(route, entry, world, missing=True)
    other_url = engine.path(route, None, missing)
    index = reverse("admin:index")
    for method in METHODS if kind != "redirect" else ("get",):
        data = {"post": "yes"} if kind == "delete" else None
        response, other = _send(clerk, method, url, data), _send(clerk, method, other_url, data)
        refused = response.status_code == 403 or (
            response.status_code == 302 and (kind == "redirect" or response["Location"] == index)
        )
        if not (refused and engine._same_answer(response, other, missing, real)):
            failures.append(f"{method.upper()} {url} as clerk: {response.status_code} {response.get('Location', '')}")
    return failures
