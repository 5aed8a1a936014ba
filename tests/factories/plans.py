import datetime

import factory
from django.utils import timezone

from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate
from tests.factories.partners import PartnershipFactory
from tests.factories.pom import OrganizationFactory


def _today():
    return timezone.localdate()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    partnership = factory.SubFactory(PartnershipFactory)
    organization = factory.SelfAttribute("partnership.organization")
    name = factory.Sequence(lambda n: f"Plan {n}")
    kind = Plan.Kind.JOINT_BUSINESS
    period_start = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=45))
    period_end = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=45))


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = factory.Sequence(lambda n: f"Objective {n}")
    order = factory.Sequence(lambda n: n)


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    plan = factory.SelfAttribute("objective.plan")
    organization = factory.SelfAttribute("objective.organization")
    name = factory.Sequence(lambda n: f"Key result {n}")
    unit = KeyResult.Unit.COUNT
    baseline = 0
    target = 10


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    key_result = factory.SubFactory(KeyResultFactory)
    plan = factory.SelfAttribute("key_result.plan")
    organization = factory.SelfAttribute("key_result.organization")
    value = 5


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    plan = factory.SubFactory(PlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = factory.Sequence(lambda n: f"Activity {n}")
    due_date = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=10))


class PlanTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    duration_days = 90
    content = factory.LazyFunction(
        lambda: {
            "objectives": [
                {
                    "title": "Grow pipeline",
                    "key_results": [{"name": "Deals registered", "unit": "count", "target": 5}],
                    "activities": [{"title": "Account mapping", "type": "joint_call", "due_offset_days": 20}],
                }
            ]
        }
    )


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    partnership = factory.SubFactory(PartnershipFactory)
    organization = factory.SelfAttribute("partnership.organization")
    kind = Meeting.Kind.MONTHLY_REVIEW
    date = factory.LazyFunction(_today)
