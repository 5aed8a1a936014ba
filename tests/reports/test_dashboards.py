"""Dashboards: each metric on hand-built deals and customers (partner-attached vs direct), the summary
refresh, pages, panel downloads, the API, the report kinds, isolation and bounded queries."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pom.models import Job, Role
from reports import dashboard_metrics as m
from reports import dashboard_selectors as ds
from reports import report_kinds, summary
from reports.summary_models import DealSummary, PlanSummary
from tests.factories import (
    AccountFactory,
    KeyResultFactory,
    MembershipFactory,
    ObjectiveFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    PlanFactory,
    ProgramFactory,
)

TODAY = datetime.date.today()


def days(n):
    return TODAY - datetime.timedelta(days=n)


def deal(org, account, amount, *, status, closed_ago=20, cycle=10, kind="new", partnership=None, role="sourced"):
    closed = days(closed_ago) if status != "open" else None
    opportunity = OpportunityFactory(
        organization=org,
        account=account,
        amount=D(amount),
        status=status,
        stage="closed" if closed else "proposal",
        type=kind,
        created_on=(closed or days(closed_ago)) - datetime.timedelta(days=cycle),
        closed_on=closed,
    )
    if partnership is not None:
        OpportunityPartnerFactory(organization=org, opportunity=opportunity, partnership=partnership, role=role)
    return opportunity


@pytest.fixture
def book(org):
    """Attached: two sourced wins (2000 in 10 days, 3000 expansion in 20), one influenced win (1000 in 30) and
    one influenced loss, all on a customer with 3 integrations. Direct: one win (1000 in 30 days) and one loss;
    one direct customer churned. Prior-year wins give the net revenue retention a base."""
    program = ProgramFactory(organization=org, name="Resell")
    partnership = PartnershipFactory(organization=org, partner__organization=org, program=program)
    attached = AccountFactory(organization=org, customer_since=days(900), integrations_count=3)
    churned = AccountFactory(organization=org, customer_since=days(900), churned_on=days(100))
    direct = AccountFactory(organization=org, customer_since=days(900))
    prospect = AccountFactory(organization=org)
    deal(org, attached, "2000", status="won", cycle=10, partnership=partnership)
    deal(org, attached, "3000", status="won", cycle=20, kind="expansion", partnership=partnership)
    deal(org, attached, "1000", status="won", cycle=30, partnership=partnership, role="influenced")
    deal(org, prospect, "5000", status="lost", cycle=30, partnership=partnership, role="influenced")
    deal(org, attached, "1000", status="won", closed_ago=400, kind="renewal")
    deal(org, direct, "1000", status="won", cycle=30)
    deal(org, prospect, "9000", status="lost", cycle=30)
    deal(org, direct, "1000", status="won", closed_ago=450)
    deal(org, churned, "500", status="won", closed_ago=500)
    summary.summary_refresh(org=org)
    return program, partnership


def metric(panel, label):
    return next(row for row in panel.rows if row[0] == label)


def test_deal_metrics_compare_attached_with_direct(org, book):
    deals, _customers, _arr = ds.unit_economics_panels(org=org, filters=ds.Filters(today=TODAY))
    assert metric(deals, "Lead conversion %")[1:4] == [D("75.0"), D("50.0"), D("50.0")]
    assert metric(deals, "Win rate %")[1:3] == [D("75.0"), D("50.0")]
    sourced = metric(deals, "Win rate %, partner-sourced")
    assert sourced[1:4] == [D("100.0"), D("50.0"), D("100.0")] and "46% higher" in sourced[4]
    assert metric(deals, "Win rate %, partner-influenced")[1] == D("50.0")
    assert metric(deals, "Average deal size")[1:3] == [D("2000.00"), D("1000.00")]
    assert metric(deals, "Sales cycle (days)")[1:3] == [D("20.0"), D("30.0")]


def test_customer_metrics_compare_attached_with_direct(org, book):
    _deals, customers, arr = ds.unit_economics_panels(org=org, filters=ds.Filters(today=TODAY))
    assert metric(customers, "Retention %")[1:3] == [D("100.0"), D("50.0")]
    assert metric(customers, "Churn %")[1:3] == [D("0.0"), D("50.0")]
    # attached: 6000 this year on 1000 the year before; direct: 1000 (the churned one bought nothing) on 1500
    assert metric(customers, "Net revenue retention %")[1:3] == [D("600.0"), D("66.7")]
    assert metric(customers, "Expansion %")[1:3] == [D("300.0"), D("0.0")]
    assert metric(customers, "Customer lifetime value")[1:3] == [D("7000.00"), D("1250.00")]
    three = metric(arr, "ARR per customer, 3+ integrations")
    assert three[1] == D("6000.00") and three[2] is None and "250% greater" in three[4]
    assert metric(arr, "ARR per customer, 0 integrations")[2] == D("1000.00")


def test_metric_functions_explain_themselves_and_refuse_empty_ratios():
    assert m.win_rate(won=0, lost=0) is None and m.deal_size(won_amount=D(0), won=0) is None
    assert m.difference(D("75"), D("50")) == D("50.0") and m.difference(D("1"), None) is None
    assert m.median_days([3, 10, 40]) == D("10.0")
    assert "won ÷ (won + lost)" in m.win_rate.__doc__


def test_portfolio_panels_show_pipeline_revenue_and_filters_narrow_them(org, book):
    program, _partnership = book
    other = PartnershipFactory(organization=org, partner__organization=org, program=ProgramFactory(organization=org))
    deal(org, AccountFactory(organization=org), "7000", status="won", partnership=other)
    summary.summary_refresh(org=org)
    panels = {p.key: p for p in ds.portfolio_panels(org=org, filters=ds.Filters(today=TODAY))}
    pipeline = panels["pipeline"]
    assert sum(r[3] for r in pipeline.rows) == D("12000") and sum(r[4] for r in pipeline.rows) == D("1000")
    assert "Resell" in panels["revenue_program"].columns and panels["revenue_program"].figure
    narrowed = {p.key: p for p in ds.portfolio_panels(org=org, filters=ds.Filters(today=TODAY, program=program.pk))}
    assert sum(r[3] for r in narrowed["pipeline"].rows) == D("5000")
    assert narrowed["revenue_program"].columns == ["Month", "Resell"]


def test_plan_panels_and_program_view(org, book):
    _program, partnership = book
    plan = PlanFactory(organization=org, partnership=partnership, period_start=days(30), period_end=days(-60))
    objective = ObjectiveFactory(plan=plan, organization=org)
    KeyResultFactory(objective=objective, unit="currency", baseline=0, target=D("1000"), current_value=D("250"))
    summary.summary_refresh(org=org)
    panels = {p.key: p for p in ds.portfolio_panels(org=org, filters=ds.Filters(today=TODAY))}
    row = panels["plan_vs_realised"].rows[0]
    assert row[:5] == ["Resell", 1, D("1000.00"), D("250.00"), D("25.0")]
    assert sum(r[1] for r in panels["plan_health"].rows) == 1
    (programs,) = ds.program_panels(org=org, filters=ds.Filters(today=TODAY))
    assert programs.rows[0][0] == "Resell" and programs.rows[0][2] == 1 and programs.rows[0][3] == D("6000")
    assert programs.rows[0][4] == D("100.0")  # the partnership has an open plan


def test_empty_period_gives_empty_states_not_broken_charts(org):
    summary.summary_refresh(org=org)
    for key in ds.DASHBOARDS:
        for panel in ds.dashboard_panels(org=org, key=key, filters=ds.Filters(today=TODAY)):
            assert panel.empty and not panel.figure and panel.empty_message, panel.key


def test_refresh_replaces_rows_and_keeps_one_plan_snapshot_a_day(org, book):
    first = DealSummary.objects.for_org(org).count()
    summary.summary_refresh(org=org)
    summary.summary_refresh(org=org)
    assert DealSummary.objects.for_org(org).count() == first
    assert PlanSummary.objects.for_org(org).values("as_of").distinct().count() <= 1


def test_first_visit_computes_then_shows_panels_and_writes_debounce(
    org, member, member_client, django_capture_on_commit_callbacks
):
    partnership = PartnershipFactory(organization=org, partner__organization=org)
    deal(org, AccountFactory(organization=org), "500", status="won", partnership=partnership)
    url = reverse("reports:dashboard", args=[org.slug, "portfolio"])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.get(url)
    assert response.status_code == 200 and b"first time" in response.content
    assert Job.objects.for_org(org).get(kind=summary.JOB_KIND).status == Job.Status.DONE
    response = member_client.get(url)
    assert b"Partner pipeline and revenue over time" in response.content and b"Table view" in response.content
    # a write after the first computation queues one debounced refresh, however many writes follow
    from reports import events

    events.handle("attribution.credited", org=org, actor=member)
    events.handle("plan.checkin_posted", org=org, actor=member)
    assert Job.objects.for_org(org).filter(kind=summary.JOB_KIND, status=Job.Status.QUEUED).count() == 1


def test_panel_download_holds_exactly_the_table(org, book, member_client):
    url = reverse("reports:dashboard_panel_export", args=[org.slug, "unit-economics", "deals", "csv"])
    rows = list(csv.reader(io.StringIO(b"".join(member_client.get(url).streaming_content).decode())))
    panel = ds.unit_economics_panels(org=org, filters=ds.Filters(today=TODAY))[0]
    assert rows[0] == panel.columns and len(rows) == len(panel.rows) + 1
    assert rows[2][:3] == ["Win rate %", "75.0", "50.0"]
    xlsx = member_client.get(url.replace("/csv/", "/xlsx/"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=3, column=1).value == "Win rate %" and float(sheet.cell(row=3, column=2).value) == 75.0


def test_api_returns_panels_of_the_summary(org, book, api_client):
    Job.objects.create(organization=org, kind=summary.JOB_KIND, status=Job.Status.DONE, task_name="x")
    url = reverse("reports-api:dashboard", args=[org.slug, "unit-economics"])
    body = api_client.get(url, {"months": 12}).json()
    deals = body["panels"][0]
    assert deals["key"] == "deals" and deals["rows"][1][:3] == ["Win rate %", "75.0", "50.0"]
    assert api_client.get(reverse("reports-api:dashboard", args=[org.slug, "nope"])).status_code == 404


def test_other_tenants_see_nothing_of_the_dashboards(org, other_org, book, client_for, api_client_for, other_member):
    """Another tenant's member (with its own dashboards) gets 404 on ours, and its data never mixes in."""
    OpportunityFactory(organization=other_org, amount=D("99999"), status="won", closed_on=days(5), created_on=days(9))
    summary.summary_refresh(org=other_org)
    for name, args in (
        ("reports:dashboard", [org.slug, "portfolio"]),
        ("reports:dashboard_panel_export", [org.slug, "portfolio", "pipeline", "csv"]),
    ):
        assert client_for(other_member).get(reverse(name, args=args)).status_code == 404
    assert (
        api_client_for(other_member).get(reverse("reports-api:dashboard", args=[org.slug, "portfolio"])).status_code
        == 404
    )
    deals = ds.unit_economics_panels(org=org, filters=ds.Filters(today=TODAY))[0]
    assert metric(deals, "Average deal size")[2] == D("1000.00")


def test_viewers_read_but_cannot_refresh(org, client_for):
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    url = reverse("reports:dashboard_refresh", args=[org.slug, "portfolio"])
    assert client_for(viewer).post(url).status_code == 403


def test_report_kinds_render_the_tables_and_check_membership(org, member, outsider, book):
    kind = report_kinds.get("dashboard.unit-economics")
    assert kind is not None and {"dashboard.portfolio", "dashboard.programs"} <= {
        k.key for k in report_kinds.all_kinds()
    }
    assert kind.can_view(org=org, user=member, params={}) and not kind.can_view(org=org, user=outsider, params={})
    html = kind.render_html(org=org, user=member, params={"months": 12})
    assert html.startswith("<!doctype html>") and "<script" not in html and "Win rate %" in html
    assert kind.url(org=org, params={"months": 6}).endswith(
        f"/o/{org.slug}/reports/dashboards/unit-economics/?months=6"
    )


@pytest.mark.parametrize("partners", [2, 12])
def test_dashboard_queries_are_bounded(org, member_client, django_assert_max_num_queries, partners):
    program = ProgramFactory(organization=org)
    for n in range(partners):
        partnership = PartnershipFactory(organization=org, partner__organization=org, program=program)
        deal(org, AccountFactory(organization=org), 100 + n, status="won", partnership=partnership)
    summary.summary_refresh(org=org)
    Job.objects.create(organization=org, kind=summary.JOB_KIND, status=Job.Status.DONE, task_name="x")
    for key in ds.DASHBOARDS:
        with django_assert_max_num_queries(40):
            assert member_client.get(reverse("reports:dashboard", args=[org.slug, key])).status_code == 200


@pytest.fixture
def partner_guest(org):
    """A partner person of one of the organization's workspaces: no membership, so no vendor reports."""
    from tests.factories import WorkspaceMemberFactory, WorkspacePartnershipFactory
    from workspaces.models import Side, WorkspaceRole

    link = WorkspacePartnershipFactory(partnership=PartnershipFactory(organization=org), workspace__organization=org)
    return WorkspaceMemberFactory(workspace=link.workspace, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user


def test_outsiders_and_partner_guests_get_404_on_every_dashboard_export_and_endpoint(
    org, other_member, outsider, partner_guest, client_for, api_client_for
):
    pages = [reverse("reports:dashboard", args=[org.slug, key]) for key in ds.DASHBOARDS] + [
        reverse("reports:dashboard_panel_export", args=[org.slug, "programs", "programs", "xlsx"]),
        reverse("reports:list_export", args=[org.slug, "opportunities"]),
    ]
    apis = [reverse("reports-api:dashboard", args=[org.slug, key]) for key in ds.DASHBOARDS]
    for user in (other_member, outsider, partner_guest):
        for url in pages:
            assert client_for(user).get(url).status_code == 404, (url, user.email)
        assert (
            client_for(user).post(reverse("reports:dashboard_refresh", args=[org.slug, "portfolio"])).status_code == 404
        )
        for url in apis:
            assert api_client_for(user).get(url).status_code == 404, (url, user.email)
    assert not Job.objects.for_org(org).filter(kind=summary.JOB_KIND).exists()  # nobody outside started work
