"""Action routes that take one method look their objects up first: another tenant's or a missing id is
404 (the sweep), and only the organization's own people with its own ids learn that the method is wrong."""

import pytest

from tests.sweep import engine
from tests.sweep.table import ROUTES as TABLE

# (route, the method it does not take)
WRONG_METHOD = [
    ("attribution:opportunity_action", "get"),
    ("attribution:opportunity_partner_remove", "get"),
    ("attribution:touchpoint_confirm", "get"),
    ("attribution:registration_decide", "get"),
    ("attribution:mapping_action", "get"),
    ("attribution:run", "post"),
    ("workspaces-org:attention_action", "get"),
]


@pytest.mark.parametrize(("name", "method"), WRONG_METHOD, ids=[n for n, _m in WRONG_METHOD])
def test_own_id_answers_405_missing_id_404(name, method, sweep, db):
    route = next(r for r in engine.discover() if r.name == name)
    entry, world = TABLE[name], sweep.world
    client = engine._client(world.people["a_owner"])
    own = engine.send(client, route, method, engine.path(route, world.a.slug, engine.fill(route, entry, world)))
    assert own.status_code == 405
    assert own["Allow"] == ("GET" if method == "post" else "POST")
    missing = engine.fill(route, entry, world, missing=True)
    assert engine.send(client, route, method, engine.path(route, world.a.slug, missing)).status_code == 404
