"""Benchmarks (issue 10): percentiles and bands on hand-computed examples, the privacy rules of the
anonymised cross-tenant distributions, opt-out, reference figures, query counts and isolation."""

import datetime
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pom.models import Job
from reports.benchmark_models import (
    BenchmarkContribution,
    BenchmarkGoal,
    CrossTenantDistribution,
    MetricValue,
    PeerDistribution,
    PeerPercentile,
    ReferenceFigure,
)
from reports.benchmark_tasks import benchmarks_request
from reports.benchmarks import catalogue, compute
from reports.benchmarks.stats import band, grouped_percentiles, quantiles_of
from tests.factories import (
    CertificationFactory,
    OrganizationFactory,
    PartnershipFactory,
    PartnerTypeFactory,
    ProgramFactory,
)

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def reference_rows(db):
    """The rows migration 0004 loads (a transactional test elsewhere may have flushed them)."""
    import importlib

    from django.apps import apps

    importlib.import_module("reports.migrations.0004_benchmark_data").load(apps, None)


# Pure: percentiles, ranks, bands ---------------------------------------------------------------


def test_quantiles_interpolate_linearly_on_a_hand_computed_example():
    # 10, 20, 30, 40: positions q·3 → p10 at 0.3 → 13; p25 at 0.75 → 17.5; median 25; p75 32.5; p90 37
    assert quantiles_of([40, 10, 30, 20]) == [13.0, 17.5, 25.0, 32.5, 37.0]


def test_ranks_and_bands_on_a_hand_computed_example():
    result = grouped_percentiles(np.zeros(4, dtype=int), np.array([10.0, 20, 30, 40]))
    # (below + ½·equal) ÷ n: 0.5/4, 1.5/4, 2.5/4, 3.5/4
    assert result.ranks.tolist() == [12.5, 37.5, 62.5, 87.5]
    assert [band(r) for r in result.ranks] == ["low", "medium", "medium", "high"]


def test_ties_share_one_rank_and_lower_is_better_is_mirrored():
    result = grouped_percentiles(np.zeros(4, dtype=int), np.array([5.0, 7, 7, 9]), lower_is_better=True)
    # 7 and 7: below 1, equal 2 → (1 + 1)/4 = 50 → mirrored 50; 5 → 12.5 → 87.5 (fastest is best)
    assert result.ranks.tolist() == [87.5, 50.0, 50.0, 12.5]
    assert band(87.5) == "high" and band(12.5) == "low" and band(None) == ""


def test_single_member_and_small_groups_get_no_rank_and_no_distribution():
    result = grouped_percentiles(np.array([0, 1, 1, 1]), np.array([3.0, 1, 2, 3]), min_size=3)
    assert result.counts.tolist() == [1, 3]
    assert np.isnan(result.ranks[0]) and np.isnan(result.quantiles[0]).all()
    assert result.quantiles[1].tolist() == pytest.approx([1.2, 1.5, 2.0, 2.5, 2.8])


def test_publication_rules():
    five = frozenset("abcde")
    assert compute.publishable(frozenset("abcd"), [1, 2, 3, 4], []) == "too_few"
    assert compute.publishable(five, [1, 1, 1, 2, 2], []) == "too_uniform"
    assert compute.publishable(five, [1, 2, 3, 4, 5], []) == ""
    # One organization more or less than a published set would reveal it by difference.
    assert compute.publishable(five | {"f"}, [1, 2, 3, 4, 5, 6], [five]) == "too_close"
    assert compute.publishable(five | {"f", "g"}, list(range(7)), [five]) == "too_close"
    assert compute.publishable(five | {"f", "g", "h"}, list(range(8)), [five]) == ""
    assert compute.publishable(five, [1, 2, 3, 4, 5], [five]) == ""


# Within the tenant ----------------------------------------------------------------------------


@pytest.fixture
def portfolio(org):
    """Four partnerships of one program with 0–3 valid certifications, one alone in another."""
    program = ProgramFactory(organization=org, name="Resell")
    referral = PartnerTypeFactory(organization=org, name="Referral")
    partnerships = []
    for n in range(4):
        p = PartnershipFactory(organization=org, program=program)
        p.partner.types.add(referral, through_defaults={"organization": org})
        for _ in range(n):
            CertificationFactory(partner=p.partner, organization=org, issued_on=TODAY, expires_on=None)
        partnerships.append(p)
    CertificationFactory(
        partner=partnerships[3].partner, organization=org, issued_on=TODAY, expires_on=datetime.date(2020, 1, 1)
    )  # expired: not counted
    lonely = PartnershipFactory(organization=org, program=ProgramFactory(organization=org, name="Tech"))
    return partnerships, lonely


def _run(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = benchmarks_request(org=org)
    job.refresh_from_db()
    return job


def test_job_ranks_partnerships_among_program_peers_and_is_safe_twice(
    org, portfolio, django_capture_on_commit_callbacks
):
    partnerships, lonely = portfolio
    job = _run(org, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE and job.progress == 100
    today = timezone.localdate()
    ranks = {
        r.partnership_id: r
        for r in PeerPercentile.objects.for_org(org).filter(as_of=today, metric="certifications", dimension="program")
    }
    assert [ranks[p.pk].rank for p in partnerships] == [
        Decimal("12.5"),
        Decimal("37.5"),
        Decimal("62.5"),
        Decimal("87.5"),
    ]
    assert [ranks[p.pk].band for p in partnerships] == ["low", "medium", "medium", "high"]
    assert ranks[lonely.pk].rank is None and ranks[lonely.pk].band == "" and ranks[lonely.pk].peers == 1
    dist = PeerDistribution.objects.for_org(org).get(
        as_of=today, metric="certifications", dimension="program", group_key=str(partnerships[0].program_id)
    )
    assert (dist.members, dist.p50, dist.group_label) == (4, Decimal("1.5"), "Resell")
    # Partner type groups (multi-valued) and "all" (5 members: the lonely one counts there).
    assert PeerPercentile.objects.for_org(org).filter(as_of=today, dimension="partner_type").count() == 4
    assert (
        PeerPercentile.objects.for_org(org)
        .get(as_of=today, dimension="all", metric="certifications", partnership=lonely)
        .peers
        == 5
    )
    # Every value keeps its inputs as an object, on every backend (the "why" under each position).
    assert all(isinstance(d, dict) for d in MetricValue.objects.for_org(org).values_list("detail", flat=True))
    # No deals: win rate is "no data" (no row), never 0.
    assert not MetricValue.objects.for_org(org).filter(metric="win_rate").exists()
    counts = (MetricValue.objects.count(), PeerPercentile.objects.count(), PeerDistribution.objects.count())
    _run(org, django_capture_on_commit_callbacks)
    assert (MetricValue.objects.count(), PeerPercentile.objects.count(), PeerDistribution.objects.count()) == counts


def test_metric_queries_do_not_grow_with_the_number_of_partnerships(org):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            catalogue.partnership_values(org=org, today=TODAY)
            catalogue.organization_values(org=org, today=TODAY)
        return len(ctx.captured_queries)

    program = ProgramFactory(organization=org)
    for _ in range(2):
        CertificationFactory(
            partner=PartnershipFactory(organization=org, program=program).partner, organization=org, issued_on=TODAY
        )
    small = count()
    for _ in range(10):
        CertificationFactory(
            partner=PartnershipFactory(organization=org, program=program).partner, organization=org, issued_on=TODAY
        )
    assert count() == small <= 22


# Across tenants ------------------------------------------------------------------------------


def _contribute(org, value):
    values = {1: {"certifications": (Decimal(value), {})}}
    compute.write_contribution(org=org, as_of=TODAY, values=values, org_values={}, metrics=compute.active_metrics())


@pytest.fixture
def peers(db):
    sizes = ["0-50", "0-50", "51-200", "51-200", "201-500", "2001+"]
    orgs = [OrganizationFactory(benchmark_opt_in=True, size_band=s, industry="software", region="EMEA") for s in sizes]
    for i, o in enumerate(orgs):
        _contribute(o, i + 1)
    return orgs


def test_cross_tenant_needs_five_orgs_falls_back_and_stores_no_organization(peers):
    from reports.benchmarks.selectors import cross_tenant_for

    result = compute.cross_tenant_refresh(as_of=TODAY)
    assert result["published"] >= 1
    assert "organization" not in {f.name for f in CrossTenantDistribution._meta.get_fields()}
    current = CrossTenantDistribution.objects.filter(metric="certifications", is_current=True)
    # Only groups with 5+ organizations: size bands have 1–2, so the six software/EMEA orgs answer
    # (the same six for industry, region and all).
    assert {(d.level, d.contributors, d.p50) for d in current} == {
        (level, 6, Decimal("3.5")) for level in ("all", "industry", "region")
    }
    found = cross_tenant_for(org=peers[0], metrics=["certifications"])
    assert found["certifications"][0].level == "industry"
    assert found["certifications"][1] == "same industry"
    # An organization that does not share sees nothing.
    peers[1].benchmark_opt_in = False
    assert cross_tenant_for(org=peers[1], metrics=["certifications"]) == {}


def test_opt_out_removes_the_contribution_and_withdraws_what_would_reveal_it(peers):
    compute.cross_tenant_refresh(as_of=TODAY)
    leaver = peers[5]
    leaver.benchmark_opt_in = False
    leaver.save()
    _contribute(leaver, 6)  # its next run: contributes nothing
    assert not BenchmarkContribution.objects.for_org(leaver).exists()
    compute.cross_tenant_refresh(as_of=TODAY + datetime.timedelta(days=1))
    mine = compute.digest(leaver.pk)
    current = CrossTenantDistribution.objects.filter(is_current=True)
    assert all(mine not in d.contributors_digest for d in current)
    # The five left differ by one from the six published: publishing them would reveal the leaver's value.
    assert not current.filter(metric="certifications").exists()
    # A newcomer alone does not withdraw what was published: the last publication stays as it was.
    leaver.benchmark_opt_in = True
    leaver.save()
    _contribute(leaver, 6)
    compute.cross_tenant_refresh(as_of=TODAY + datetime.timedelta(days=2))
    newcomer = OrganizationFactory(benchmark_opt_in=True, industry="software", region="EMEA")
    _contribute(newcomer, 9)
    compute.cross_tenant_refresh(as_of=TODAY + datetime.timedelta(days=3))
    kept = CrossTenantDistribution.objects.get(metric="certifications", is_current=True, level="all")
    assert kept.contributors == 6 and compute.digest(newcomer.pk) not in kept.contributors_digest


# Reference figures --------------------------------------------------------------------------


def test_reference_figures_match_the_catalogue(reference_rows):
    fig = {f.code: f for f in ReferenceFigure.objects.all()}
    bands = [
        "revenue-share-band-0",
        "revenue-share-band-1-25",
        "revenue-share-band-26-50",
        "revenue-share-band-51-75",
        "revenue-share-band-76+",
    ]
    assert [fig[c].value for c in bands] == [
        Decimal("2.6"),
        Decimal("48"),
        Decimal("27.9"),
        Decimal("12.6"),
        Decimal("8.9"),
    ]
    assert fig["revenue-share-26-plus"].value == Decimal("49.4") == sum(fig[c].value for c in bands[2:])
    assert fig["kpis-size-0-50"].value == Decimal("2.5") and fig["kpis-size-2001"].value == Decimal("2.9")
    assert fig["programme-tiered"].value == Decimal("56") and fig["no-partner-ops-2001+"].value == Decimal("11.0")
    survey = fig["kpis-ops-5"]
    assert (survey.source, survey.year, survey.sample.split(",")[0]) == (
        "State of Partner Ops and Programs 2022",
        2022,
        "n=664",
    )
    assert survey.question and fig["mdf-unused"].year is None  # no year printed: none invented


# Pages, API, isolation ------------------------------------------------------------------------


def test_compare_page_goal_and_partner_tab(
    org, member, portfolio, reference_rows, client_for, django_capture_on_commit_callbacks
):
    partnerships, _lonely = portfolio
    _run(org, django_capture_on_commit_callbacks)
    client = client_for(member)
    page = client.get(f"/o/{org.slug}/reports/benchmarks/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Valid certifications" in text and "no data" in text and "n=664" in text
    assert "Anonymised comparison with other organizations is off" in text
    bad = client.post(f"/o/{org.slug}/reports/benchmarks/goals/certifications/", {"target": "lots"}, follow=True)
    assert "Enter a number" in bad.content.decode()
    client.post(f"/o/{org.slug}/reports/benchmarks/goals/certifications/", {"target": "3", "basis": "top quarter"})
    assert BenchmarkGoal.objects.for_org(org).get(metric="certifications").target == Decimal("3")
    tab = client.get(f"/o/{org.slug}/reports/benchmarks/partners/{partnerships[3].partner_id}/tab/?peers=program")
    assert tab.status_code == 200 and "High" in tab.content.decode()
    lonely_tab = client.get(f"/o/{org.slug}/reports/benchmarks/partners/{_lonely.partner_id}/tab/?peers=program")
    assert "not enough peers" in lonely_tab.content.decode()


def test_other_tenants_never_see_benchmarks(
    org, other_org, member, other_member, portfolio, client_for, api_client_for, django_capture_on_commit_callbacks
):
    partnerships, _lonely = portfolio
    _run(org, django_capture_on_commit_callbacks)
    other_partner = PartnershipFactory(organization=other_org).partner
    mine = client_for(member)
    assert mine.get(f"/o/{org.slug}/reports/benchmarks/partners/{other_partner.pk}/tab/").status_code == 404
    theirs = client_for(other_member)
    for path in ("", "maturity/", f"partners/{partnerships[0].partner_id}/tab/"):
        assert theirs.get(f"/o/{org.slug}/reports/benchmarks/{path}").status_code == 404
    assert theirs.post(f"/o/{org.slug}/reports/benchmarks/goals/certifications/", {"target": "1"}).status_code == 404
    api = api_client_for(other_member)
    for path in ("values", "percentiles", "distributions", "metrics", "reference", "peer-organizations"):
        assert api.get(f"/api/o/{org.slug}/benchmarks/{path}/").status_code == 404
    # Their own lists hold none of our rows.
    rows = api.get(f"/api/o/{other_org.slug}/benchmarks/percentiles/").json()
    assert rows["count"] == 0
    ours = api_client_for(member).get(f"/api/o/{org.slug}/benchmarks/percentiles/?metric=certifications&min_rank=75")
    assert {r["partnership"] for r in ours.json()["results"]} == {partnerships[3].pk}


def test_peer_organizations_reveal_no_name_or_id(peers, client_for, api_client_for):
    from tests.factories import MembershipFactory

    compute.cross_tenant_refresh(as_of=TODAY)
    viewer = MembershipFactory(organization=peers[0]).user
    body = api_client_for(viewer).get(f"/api/o/{peers[0].slug}/benchmarks/peer-organizations/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == {"metric", "group", "contributors", "as_of", "p10", "p25", "p50", "p75", "p90"}
    page = client_for(viewer).get(f"/o/{peers[0].slug}/reports/benchmarks/").content.decode()
    for other in peers[1:]:
        assert other.name not in page and other.slug not in page and other.name not in str(body)


def test_maturity_self_assessment_and_profile_at_creation(org, owner, outsider, client_for):
    client = client_for(owner)
    client.post(f"/o/{org.slug}/reports/benchmarks/maturity/", {"maturity_data": "walk", "maturity_strategy": "x"})
    org.refresh_from_db()
    assert org.maturity_data == ""  # one bad field: nothing written
    client.post(f"/o/{org.slug}/reports/benchmarks/maturity/", {"maturity_data": "walk"})
    org.refresh_from_db()
    assert org.maturity_data == "walk"
    assert "common workspace" in client.get(f"/o/{org.slug}/reports/benchmarks/maturity/").content.decode()
    new = client_for(outsider)
    base = {
        "name": "Skipper",
        "size_band": "0-50",
        "region": "EMEA",
        "industry": "software",
        "currency": "EUR",
        "fiscal_year_start_month": 1,
    }
    new.post("/orgs/new/", {**base, "program_model": "nonsense", "skip_profile": "1"})
    new.post("/orgs/new/", {**base, "name": "Profiled", "program_model": "programmatic", "partner_ops_band": "5+"})
    from pom.models import Organization

    assert Organization.objects.get(name="Skipper").program_model == ""
    profiled = Organization.objects.get(name="Profiled")
    assert (profiled.program_model, profiled.partner_ops_band, profiled.benchmark_opt_in) == (
        "programmatic",
        "5+",
        False,
    )


def test_partner_list_percentile_column_and_top_quarter_filter(
    org, member, portfolio, client_for, django_capture_on_commit_callbacks
):
    partnerships, _lonely = portfolio
    _run(org, django_capture_on_commit_callbacks)
    type_id = partnerships[0].partner.types.get().pk
    url = f"/o/{org.slug}/partners/?bench_metric=certifications&bench_peers=partner_type&type={type_id}"
    page = client_for(member).get(url + "&bench_min=75").content.decode()
    assert "Percentile: Valid certifications" in page and "88" in page  # 87.5 rounds to 88
    assert partnerships[3].partner.name in page and partnerships[2].partner.name not in page
    everyone = client_for(member).get(url).content.decode()
    assert partnerships[2].partner.name in everyone and ">62<" in everyone


def test_partner_person_sees_only_their_own_position(org, portfolio, client_for, django_capture_on_commit_callbacks):
    from tests.factories import WorkspaceMemberFactory, WorkspacePartnershipFactory
    from workspaces.models import Side, WorkspaceRole

    partnerships, _lonely = portfolio
    _run(org, django_capture_on_commit_callbacks)
    link = WorkspacePartnershipFactory(partnership=partnerships[3], workspace__organization=org)
    guest = WorkspaceMemberFactory(workspace=link.workspace, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user
    other = WorkspacePartnershipFactory(partnership=partnerships[0], workspace__organization=org)
    stranger = WorkspaceMemberFactory(workspace=other.workspace, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user
    page = client_for(guest).get(f"/w/{link.workspace.public_id}/benchmarks/")
    text = page.content.decode()
    assert page.status_code == 200 and "Valid certifications" in text and "High" in text
    assert all(p.partner.name not in text for p in partnerships[:3])
    assert "p25" not in text and "1.5" not in text  # no peer quantiles (the program median is 1.5)
    assert client_for(stranger).get(f"/w/{link.workspace.public_id}/benchmarks/").status_code == 404
    assert client_for(guest).get(f"/o/{org.slug}/reports/benchmarks/").status_code == 404


def test_pages_have_a_fixed_number_of_queries(org, member, portfolio, client_for, django_capture_on_commit_callbacks):
    partnerships, _lonely = portfolio
    partner = partnerships[0].partner
    urls = [
        f"/o/{org.slug}/reports/benchmarks/",
        f"/o/{org.slug}/reports/benchmarks/partners/{partner.pk}/tab/",
        f"/o/{org.slug}/partners/?bench_metric=certifications&bench_min=50",
    ]
    client = client_for(member)

    def counts():
        _run(org, django_capture_on_commit_callbacks)
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    small = counts()
    for _ in range(8):
        PartnershipFactory(organization=org, program=partnerships[0].program)
    PartnershipFactory(organization=org, partner=partner, program=ProgramFactory(organization=org))
    assert counts() == small


def test_goal_api_validates_and_needs_a_manager(org, member, viewer, api_client_for):
    url = f"/api/o/{org.slug}/benchmarks/goals/"
    assert api_client_for(viewer).post(url, {"metric": "win_rate", "target": "40"}, format="json").status_code == 403
    bad = api_client_for(member).post(url, {"metric": "nope", "target": "40"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"]["metric"] == ["Unknown metric nope."]
    ok = api_client_for(member).post(url, {"metric": "win_rate", "target": "40.5"}, format="json")
    assert ok.status_code == 201 and ok.json()["target"] == "40.5000"
    assert BenchmarkGoal.objects.for_org(org).get(metric="win_rate").target == Decimal("40.5")
