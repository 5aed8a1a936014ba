"""The sweep's after-check (`world.snapshot`, a prepared statement) sees any change to the victim's rows,
and only where it happened."""

from partners.models import Partner
from tests.sweep import world


def test_the_snapshot_sees_a_change_of_the_victims_rows_and_names_its_table(sweep, db):
    before = world.snapshot(sweep.world.a)
    assert world.snapshot(sweep.world.a) == before
    Partner.objects.for_org(sweep.world.a).update(name="changed")
    after = world.snapshot(sweep.world.a)
    assert {table for table in after if after[table] != before[table]} == {"partners_partner"}
