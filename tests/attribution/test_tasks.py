import datetime

from django.db import transaction
from django_celery_beat.models import PeriodicTask

from attribution import dashboard, runs, tasks
from attribution.defaults import DEFAULT_INFLUENCE_TYPES, org_defaults
from attribution.models import AttributionRun, DealRegistration, InfluenceType
from tests.factories import DealRegistrationFactory, OpportunityFactory, OpportunityPartnerFactory


def test_nightly_jobs_are_scheduled_in_beat(db):
    tasks_by_name = dict(PeriodicTask.objects.filter(name__startswith="attribution:").values_list("name", "task"))
    assert set(tasks_by_name.values()) == {
        "attribution.tasks.attribution_nightly",
        "attribution.tasks.registration_expiry",
        "attribution.tasks.commissions_nightly",
        "attribution.tasks.account_maps_nightly",
        "attribution.tasks.attribution_runs_reclaim",
    }


def test_nightly_fan_out_runs_every_organization(org, other_org, django_capture_on_commit_callbacks):
    OpportunityPartnerFactory(organization=org)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.attribution_nightly() >= 2
    assert AttributionRun.objects.filter(organization=org, status="done").exists()
    assert AttributionRun.objects.filter(organization=other_org, status="done").exists()


def test_recompute_requests_are_debounced_while_queued(org):

    with transaction.atomic():
        first = runs.attribution_recompute_request(org=org)
        second = runs.attribution_recompute_request(org=org)
    assert first == second
    assert AttributionRun.objects.filter(organization=org).count() == 1


def test_expiry_fan_out_expires_ended_windows(org, other_org):
    ended = DealRegistrationFactory(
        organization=org,
        partnership__partner__organization=org,
        status="approved",
        protection_until=datetime.date.today() - datetime.timedelta(days=2),
    )
    tasks.registration_expiry()
    ended.refresh_from_db()
    assert ended.status == DealRegistration.Status.EXPIRED


def test_org_defaults_seed_influence_types_once(org):
    org_defaults(org=org)
    org_defaults(org=org)
    assert InfluenceType.objects.filter(organization=org).count() == len(DEFAULT_INFLUENCE_TYPES)


def test_dashboard_cards_show_waiting_registrations_and_sourced_pipeline(org):
    DealRegistrationFactory(organization=org)
    opp = OpportunityFactory(organization=org, currency=org.currency)
    OpportunityPartnerFactory(organization=org, opportunity=opp, role="sourced")
    cards = dashboard.dashboard_cards(org=org)
    assert cards[0]["value"] == 1
    assert cards[1]["value"].startswith("10,000")


def test_factories_build_single_organization_graphs(org):
    from tests.factories import MaterialityScoreFactory, TouchpointFactory

    touch = TouchpointFactory(organization=org)
    score = MaterialityScoreFactory(organization=org)
    registration = DealRegistrationFactory(organization=org)
    orgs = {
        touch.opportunity.account.organization_id,
        touch.partnership.organization_id,
        touch.partnership.partner.organization_id,
        touch.influence_type.organization_id,
        score.opportunity.organization_id,
        score.partnership.partner.organization_id,
        registration.partnership.partner.organization_id,
    }
    assert orgs == {org.id}
