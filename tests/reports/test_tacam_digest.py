"""TACAM facts for digests (score changes since a week ago) and the next-best-action rules."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import digest_facts, nba_rules, services
from reports.models import ScoreSnapshot
from tests.factories import PartnershipFactory, ProgramFactory

TODAY = timezone.localdate()


def _snap(org, partnership, model, days_ago, latest, **values):
    return ScoreSnapshot.objects.create(
        organization=org, partnership=partnership, model=model, as_of=TODAY - datetime.timedelta(days=days_ago),
        computed_at=timezone.now(), is_latest=latest, program=partnership.program, **values,
    )  # fmt: skip


def _portfolio(org, n):
    model = services.model_current(org=org)
    program = ProgramFactory(organization=org)
    made = []
    for _i in range(n):
        p = PartnershipFactory(organization=org, program=program)
        _snap(org, p, model, 8, False, trust=Decimal("38.0"), commitment=Decimal("50.0"))
        _snap(org, p, model, 0, True, trust=Decimal("42.0"), commitment=Decimal("50.0"), measurement=Decimal("20.0"))
        made.append(p)
    return made


def test_facts_say_what_moved_since_last_week_in_a_fixed_number_of_queries(org, member):
    few = _portfolio(org, 2)
    many = few + _portfolio(org, 6)
    with CaptureQueriesContext(connection) as small:
        digest_facts.facts(org=org, partnership_ids=[p.pk for p in few], today=TODAY)
    with CaptureQueriesContext(connection) as large:
        result = digest_facts.facts(org=org, partnership_ids=[p.pk for p in many], today=TODAY)
    assert len(small) == len(large) == 3
    f = result[few[0].pk]
    assert f["tacam"]["trust"] == "42" and f["tacam"]["analysis"] is None
    assert [line["text"] for line in f["digest_lines"]] == [
        f"Trust moved from 38 to 42 since {(TODAY - datetime.timedelta(days=8)).isoformat()}."
    ]


def test_rules_propose_the_practice_for_the_weakest_and_the_element_below_target(org, member):
    p = _portfolio(org, 1)[0]
    services.target_set(org=org, actor=member, partnership=p, element="trust", value="70")
    services.target_set(org=org, actor=member, partnership=p, element="measurement", value="25")
    extra = digest_facts.facts(org=org, partnership_ids=[p.pk], today=TODAY)
    facts = {"extra": {"reports": {str(k): v for k, v in extra.items()}}}
    weakest = nba_rules.RULES[0](facts, TODAY)
    assert weakest[0].evidence == {"element": "measurement", "score": "20"}
    below = nba_rules.tacam_below_target(facts, TODAY)
    # trust 42 vs 70 (gap 28); measurement 20 vs 25 (gap 5, under the 10-point threshold)
    assert len(below) == 1 and below[0].evidence == {"element": "trust", "score": "42", "target": "70"}
    assert "trust assessment" in below[0].title.lower()
