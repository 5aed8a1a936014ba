import datetime

from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, KeyResultFactory, PartnershipFactory, PlanFactory


def test_dashboard_shows_plans_behind_and_overdue_activities(org, member_client):
    today = timezone.localdate()
    slow = PlanFactory(partnership=PartnershipFactory(partner__organization=org))
    KeyResultFactory(objective__plan=slow, target=100, current_value=1)
    ActivityFactory(plan=slow, due_date=today - datetime.timedelta(days=2))
    ActivityFactory(plan=slow, due_date=today - datetime.timedelta(days=2), status="done")
    closed = PlanFactory(partnership=PartnershipFactory(partner__organization=org), status="closed")
    KeyResultFactory(objective__plan=closed, target=100, current_value=1)
    response = member_client.get(reverse("dashboard", args=[org.slug]))
    cards = {card["title"]: card for card in response.context["cards"]}
    assert cards["Plans behind"]["value"] == 1
    assert cards["Plans behind"]["url"].endswith("/plans/?behind=true")
    assert cards["Overdue activities"]["value"] == 1
