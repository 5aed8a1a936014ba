import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from attribution.models import (
    Account,
    DealRegistration,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    Touchpoint,
)
from pom.domains import domain_key
from tests.factories.partners import PartnershipFactory
from tests.factories.pom import OrganizationFactory


class InfluenceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InfluenceType

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Influence {n}")
    slug = factory.Sequence(lambda n: f"influence-{n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    name_key = factory.LazyAttribute(lambda o: o.name.lower())
    domain = factory.Sequence(lambda n: f"customer{n}.example")
    domain_key = factory.LazyAttribute(lambda o: domain_key(o.domain))


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    account = factory.SubFactory(AccountFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("10000.00")
    currency = "EUR"
    created_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=60))
    expected_close = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))


class OpportunityPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityPartner

    organization = factory.SubFactory(OrganizationFactory)
    opportunity = factory.SubFactory(OpportunityFactory, organization=factory.SelfAttribute("..organization"))
    partnership = factory.SubFactory(PartnershipFactory, partner__organization=factory.SelfAttribute("...organization"))
    role = OpportunityPartner.Role.INFLUENCED


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    organization = factory.SubFactory(OrganizationFactory)
    opportunity = factory.SubFactory(OpportunityFactory, organization=factory.SelfAttribute("..organization"))
    account = factory.SelfAttribute("opportunity.account")
    partnership = factory.SubFactory(PartnershipFactory, partner__organization=factory.SelfAttribute("...organization"))
    influence_type = factory.SubFactory(InfluenceTypeFactory, organization=factory.SelfAttribute("..organization"))
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=10))


class MaterialityScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialityScore

    organization = factory.SubFactory(OrganizationFactory)
    opportunity = factory.SubFactory(OpportunityFactory, organization=factory.SelfAttribute("..organization"))
    partnership = factory.SubFactory(PartnershipFactory, partner__organization=factory.SelfAttribute("...organization"))
    sales_motion = 3
    value_proposition = 3
    delivery = 3


class DealRegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealRegistration

    organization = factory.SubFactory(OrganizationFactory)
    partnership = factory.SubFactory(PartnershipFactory, partner__organization=factory.SelfAttribute("...organization"))
    customer_name = factory.Sequence(lambda n: f"Prospect {n}")
    customer_name_key = factory.LazyAttribute(lambda o: o.customer_name.lower())
    customer_domain = factory.Sequence(lambda n: f"prospect{n}.example")
    value = Decimal("25000.00")
    submitted_at = factory.LazyFunction(timezone.now)
