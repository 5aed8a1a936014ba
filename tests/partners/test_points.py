"""Points: rules per activity, automatic awards from events, four-eyes manual lines, expiry."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attribution import services as attribution_services
from partners import points, services
from partners.models import PointActivity, PointEntry
from pom.models import Role
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    PointRuleFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(org):
    return ProgramFactory(organization=org, points_expiry_months=12)


@pytest.fixture
def partnership(org, program):
    return PartnershipFactory(organization=org, program=program)


def test_certification_earns_points_once_per_certification(org, member, program, partnership):
    PointRuleFactory(program=program, activity=PointActivity.CERTIFICATION, points=150, name="Certified engineer")
    cert = services.certification_create(
        org=org, actor=member, partner=partnership.partner, name="Nimbus Admin", issued_on=datetime.date(2026, 3, 1)
    )
    entry = PointEntry.objects.for_org(org).get(partnership=partnership)
    assert (entry.points, entry.kind, entry.status) == (150, "award", "approved")
    assert entry.expires_on == datetime.date(2027, 3, 1)
    assert "Nimbus Admin" in entry.evidence and "Certified engineer" in entry.approved_label
    # The same event delivered again awards nothing more.
    from partners import events

    events.handle("certification.created", org=org, actor=member, certification=cert)
    assert points.point_balance(org=org, partnership=partnership) == 150


def test_rules_of_another_program_or_organization_never_apply(org, other_org, member, partnership):
    PointRuleFactory(program=ProgramFactory(organization=org), activity=PointActivity.CERTIFICATION, points=99)
    PointRuleFactory(program=ProgramFactory(organization=other_org), activity=PointActivity.CERTIFICATION, points=77)
    services.certification_create(
        org=org, actor=member, partner=partnership.partner, name="X", issued_on=datetime.date.today()
    )
    assert points.point_balance(org=org, partnership=partnership) == 0


def test_won_deal_gives_points_per_full_amount(org, member, program, partnership):
    PointRuleFactory(
        program=program, activity=PointActivity.DEAL_WON, points=10, per_amount=Decimal("10000"), name="Per 10k"
    )
    link = OpportunityPartnerFactory(organization=org, partnership=partnership, opportunity__amount=Decimal("25000"))
    attribution_services.opportunity_update(
        org=org, actor=member, opportunity=link.opportunity, data={"status": "won", "closed_on": datetime.date.today()}
    )
    entry = PointEntry.objects.for_org(org).get(partnership=partnership)
    assert entry.points == 20  # floor(25,000 / 10,000) = 2 blocks × 10
    assert "25,000.00 won ÷ 10,000.00 = 2 × 10 points = 20" in entry.evidence
    # Re-saving a won deal does not award again.
    attribution_services.opportunity_update(org=org, actor=member, opportunity=link.opportunity, data={"name": "Y"})
    assert points.point_balance(org=org, partnership=partnership) == 20


def test_deals_turning_won_in_a_crm_sync_or_csv_import_give_points_once_each(
    org, member, program, partnership, api_client, django_assert_max_num_queries
):
    """The CRM bulk upsert (API) and the CSV import emit `opportunity.won` per deal that turns won."""
    from django.urls import reverse

    from attribution import importing

    PointRuleFactory(
        program=program, activity=PointActivity.DEAL_WON, points=10, per_amount=Decimal("10000"), name="Per 10k"
    )
    closed = datetime.date.today().isoformat()
    account = AccountFactory(organization=org, crm_id="ACC")
    account_crm = account.crm_id
    for i, amount in enumerate(["25000", "40000", "9000"]):
        OpportunityPartnerFactory(
            organization=org,
            partnership=partnership,
            opportunity__account=account,
            opportunity__crm_id=f"O{i}",
            opportunity__amount=Decimal(amount),
        )
    row = {"account_crm_id": account_crm, "currency": "EUR", "closed_on": closed}
    items = [
        {**row, "crm_id": "O0", "name": "Won now", "amount": "25000", "status": "won"},
        {**row, "crm_id": "O1", "name": "Still open", "amount": "40000", "status": "open", "closed_on": ""},
        {**row, "crm_id": "O2", "name": "Lost", "amount": "9000", "status": "lost"},
    ]
    api_url = reverse("attribution-api:opportunity-bulk-upsert", args=[org.slug])
    assert api_client.post(api_url, items, format="json").json() == {"created": 0, "updated": 3}
    assert points.point_balance(org=org, partnership=partnership) == 20  # only O0 turned won: 2 × 10
    # Replaying the same sync awards nothing more: O0 was already won.
    api_client.post(api_url, items, format="json")
    assert points.point_balance(org=org, partnership=partnership) == 20
    # The CSV import turns O1 won (40,000 → 40 points); O0 stays won and is not awarded again.
    header = ",".join(importing.OPPORTUNITY_COLUMNS)
    lines = [
        f"O0,{account_crm},Won now,25000,EUR,,won,,,{closed},,,",
        f"O1,{account_crm},Now won,40000,EUR,,won,,,{closed},,,",
    ]
    result = importing.import_commit(
        org=org, actor=member, kind="opportunities", content="\n".join([header, *lines]) + "\n"
    )
    assert (result["updated"], result["errors"]) == (2, {})
    entries = PointEntry.objects.for_org(org).filter(partnership=partnership).order_by("pk")
    assert [(e.points, "Now won" in e.evidence) for e in entries] == [(20, False), (40, True)]
    # The sync reads the deals turning won and their partnerships in one query each; what grows with
    # their number is the award itself (one ledger line per deal and rule, ~14 queries with its checks).
    for i in range(6):
        OpportunityPartnerFactory(
            organization=org, partnership=partnership, opportunity__account=account, opportunity__crm_id=f"M{i}"
        )
    batch = [{**row, "crm_id": f"M{i}", "name": f"M{i}", "amount": "10000", "status": "won"} for i in range(6)]
    with django_assert_max_num_queries(20 + 15 * 6):
        assert importing.opportunity_bulk_upsert(org=org, actor=member, items=batch)["updated"] == 6
    assert points.point_balance(org=org, partnership=partnership) == 60 + 6 * 10


def test_manual_award_needs_a_reason_and_a_second_person(org, member, partnership):
    with pytest.raises(ValidationError) as exc:
        points.point_manual_request(org=org, actor=member, partnership=partnership, points=50, reason="  ")
    assert "reason" in exc.value.message_dict
    assert not PointEntry.objects.for_org(org).exists()

    entry = points.point_manual_request(
        org=org, actor=member, partnership=partnership, points=50, reason="Keynote at our summit"
    )
    assert points.point_balance(org=org, partnership=partnership) == 0  # pending lines do not count
    with pytest.raises(ValidationError) as exc:
        points.point_manual_decide(org=org, actor=member, entry=entry, approve=True)
    assert "Someone other than the requester" in str(exc.value)
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    with pytest.raises(ValidationError):
        points.point_manual_decide(org=org, actor=viewer, entry=entry, approve=True)
    approver = MembershipFactory(organization=org, role=Role.MANAGER).user
    entry = points.point_manual_decide(org=org, actor=approver, entry=entry, approve=True)
    assert entry.approved_by == approver and entry.status == "approved"
    assert points.point_balance(org=org, partnership=partnership) == 50


def test_correction_takes_points_off_once_approved(org, member, partnership):
    approver = MembershipFactory(organization=org, role=Role.ADMIN).user
    award = points.point_manual_request(org=org, actor=member, partnership=partnership, points=80, reason="Webinar")
    points.point_manual_decide(org=org, actor=approver, entry=award, approve=True)
    fix = points.point_manual_request(
        org=org, actor=member, partnership=partnership, points=-30, reason="Webinar counted twice"
    )
    assert fix.kind == "correction"
    points.point_manual_decide(org=org, actor=approver, entry=fix, approve=True)
    assert points.point_balance(org=org, partnership=partnership) == 50


def test_points_expire_after_the_program_period_once(org, program, partnership):
    rule = PointRuleFactory(program=program, activity=PointActivity.TRAINING, points=40)
    old = points.points_award_for_event(
        org=org,
        partnerships=[partnership],
        activity="training",
        source_key="a:1",
        occurred_on=datetime.date(2025, 1, 10),
        evidence="Course",
    )[0]
    points.points_award_for_event(
        org=org,
        partnerships=[partnership],
        activity="training",
        source_key="a:2",
        occurred_on=datetime.date(2025, 6, 1),
        evidence="Course 2",
    )
    assert old.expires_on == datetime.date(2026, 1, 10) and old.rule == rule
    assert points.points_expire(org=org, today=datetime.date(2026, 1, 9)) == 0
    assert points.points_expire(org=org, today=datetime.date(2026, 1, 10)) == 1
    assert points.points_expire(org=org, today=datetime.date(2026, 1, 10)) == 0  # safe to run twice
    assert points.point_balance(org=org, partnership=partnership) == 40
    expiry = PointEntry.objects.for_org(org).get(kind="expiry")
    assert (expiry.points, expiry.expired_entry_id) == (-40, old.pk)
    assert points.org_ids_with_expiring_points(today=datetime.date(2026, 1, 10)) == []
    assert points.org_ids_with_expiring_points(today=datetime.date(2026, 6, 1)) == [org.pk]


def test_rule_validation_names_the_field(org, member, program):
    with pytest.raises(ValidationError) as exc:
        points.point_rule_create(
            org=org, actor=member, program=program, activity="training", name="T", points=5, per_amount=Decimal("1")
        )
    assert "per_amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        points.point_rule_create(org=org, actor=member, program=program, activity="training", name="T", points=0)
    assert "points" in exc.value.message_dict


def test_bulk_sync_is_all_or_nothing_and_replayable(org, member, program, partnership):
    rule = PointRuleFactory(program=program, activity=PointActivity.TRAINING, points=25)
    foreign_rule = PointRuleFactory(program=ProgramFactory(organization=org), activity="training", points=5)
    today = datetime.date.today()
    items = [
        {
            "partnership": partnership,
            "rule": rule,
            "external_id": "lms-1",
            "occurred_on": today,
            "evidence": "Course A",
        },
        {"partnership": partnership, "rule": foreign_rule, "external_id": "lms-2", "occurred_on": today},
    ]
    result = points.points_bulk_award(org=org, actor=member, items=items)
    assert list(result["errors"]) == [1] and not PointEntry.objects.for_org(org).exists()
    result = points.points_bulk_award(org=org, actor=member, items=items[:1])
    assert result == {"created": 1, "skipped": 0, "errors": {}}
    assert points.points_bulk_award(org=org, actor=member, items=items[:1])["skipped"] == 1
    assert points.point_balance(org=org, partnership=partnership) == 25
