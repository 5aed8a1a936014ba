"""Factories for programs in motion: point rules, commission rules, MDF budgets and joint solutions."""

import datetime
from decimal import Decimal

import factory

from attribution.models import CommissionRule, JointSolution, MdfBudget
from partners.models import PointActivity, PointRule
from tests.factories.partners import ProgramFactory
from tests.factories.pom import OrganizationFactory


class PointRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointRule

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    activity = PointActivity.CERTIFICATION
    name = factory.Sequence(lambda n: f"Point rule {n}")
    points = 100


class CommissionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissionRule

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Commission rule {n}")
    kind = CommissionRule.Kind.PERCENT
    basis = CommissionRule.Basis.DEAL
    rate = Decimal("20")


class MdfBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MdfBudget

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Budget {n}")
    period_start = factory.LazyFunction(lambda: datetime.date.today().replace(month=1, day=1))
    period_end = factory.LazyFunction(lambda: datetime.date.today().replace(month=12, day=31))
    amount = Decimal("10000.00")
    currency = "EUR"


class JointSolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointSolution

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Solution {n}")
    problem = "Customers re-key invoices by hand."
    status = JointSolution.Status.VETTING
