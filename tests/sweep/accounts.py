"""The routes outside an organization's address that show a person their own things (their account,
their organizations, the organization they create) or anyone the way in (signing in, signing up).

None takes an organization's id; the door there is that the page shows nothing of A's to B's people,
outsiders or partner guests: it is requested by each of them (a fresh session each, so a page that
signs out or changes the session does not reach the other routes) and its answer must name none of A's
things (A's name, its owner's address, its partner's name, an address under /o/victim/).
"""

from __future__ import annotations

from django.test import Client

PEOPLE = ("b_owner", "b_viewer", "outsider", "other_guest", "b_guest")


def markers(world) -> list[str]:
    """Strings only A's rows contain: a page showing one of them shows something of A's."""
    from partners.models import Partner

    return [world.a.name, world.people["a_owner"].email, world[Partner].name, f"/o/{world.a.slug}/"]


def leaked(world, response) -> list[str]:
    body = response.content.decode(errors="replace") if not response.streaming else ""
    return [m for m in markers(world) if m in body or m in response.get("Location", "")]


def shows_nothing_of_a(sweep, route, entry) -> list[str]:
    from tests.sweep import engine

    failures, world = [], sweep.world
    url = engine.path(route, None, engine.fill(route, entry, world))
    clients = {who: _fresh(world.people[who]) for who in PEOPLE}
    if entry.public:
        clients["anonymous"] = Client()
    for who, client in clients.items():
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"GET {url} as {who}: {response.status_code}")
        elif found := leaked(world, response):
            failures.append(f"GET {url} as {who} shows A's {found}")
    return failures


def _fresh(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
