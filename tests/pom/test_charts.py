"""Every chart has a text alternative: a named image and, under it, its numbers as a table."""

import datetime
from decimal import Decimal as D

import plotly.graph_objects as go
import pytest
from django.urls import reverse
from django.utils import timezone

from plans import checkin_services
from pom.charts import chart_table, figure_html
from tests.factories import CheckInFactory, KeyResultFactory, ObjectiveFactory, PartnershipFactory, PlanFactory


def test_chart_table_has_one_row_per_category_and_one_column_per_series():
    fig = go.Figure(
        [
            go.Bar(name="Planned by today", x=["Leads", "Deals"], y=[50.0, 25.5]),
            go.Bar(name="Realised", x=["Leads"], y=[40]),
        ]
    )
    headers, rows = chart_table(fig)
    assert headers == ["Category", "Planned by today", "Realised"]
    assert rows == [["Leads", "50", "40"], ["Deals", "25.5", "—"]]


def test_chart_table_reads_pies_funnels_and_polar_charts():
    assert chart_table(go.Figure(go.Pie(labels=["Gold", "Silver"], values=[3, 5])))[1] == [
        ["Gold", "3"],
        ["Silver", "5"],
    ]
    assert chart_table(go.Figure(go.Funnel(y=["Prospect", "Active"], x=[9, 4])))[1] == [
        ["Prospect", "9"],
        ["Active", "4"],
    ]
    polar = go.Figure(go.Scatterpolar(r=[60, 80, 60], theta=["Trust", "Alignment", "Trust"], name="Score"))
    assert chart_table(polar) == (["Category", "Score"], [["Trust", "60"], ["Alignment", "80"]])


def test_figure_html_is_a_named_image_followed_by_its_table():
    html = figure_html(go.Figure(go.Bar(name="Deals", x=["Q1", "Q2"], y=[3, 7])))
    assert 'role="img" aria-label="Chart: Deals"' in html
    assert "<summary>Show as table</summary>" in html
    assert '<th scope="row">Q2</th><td class="num">7</td>' in html


@pytest.mark.django_db
def test_plan_page_charts_have_their_table_view(org, member, member_client):
    plan = PlanFactory(partnership=PartnershipFactory(partner__organization=org), name="FY26 joint plan")
    kr = KeyResultFactory(objective=ObjectiveFactory(plan=plan), name="Certified engineers", target=10)
    CheckInFactory(key_result=kr, value=2, created_at=timezone.now() - datetime.timedelta(days=9))
    checkin_services.checkin_create(org=org, actor=member, key_result=kr, value=D(6), note="")
    html = member_client.get(reverse("plans:detail", args=[org.slug, plan.pk])).content.decode()
    assert html.count("<summary>Show as table</summary>") >= 2
    assert '<th scope="col">Certified engineers</th>' in html  # the check-in history, one column per key result
    assert '<td class="num">60</td>' in html  # 6 of 10: 60 % progress
