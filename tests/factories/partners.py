import datetime

import factory

from partners.models import (
    Archetype,
    Certification,
    Contact,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    Tier,
)
from tests.factories.pom import OrganizationFactory


class PartnerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerType

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")


class ArchetypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Archetype

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Archetype {n}")
    slug = factory.Sequence(lambda n: f"archetype-{n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    slug = factory.Sequence(lambda n: f"segment-{n}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    domain = factory.Sequence(lambda n: f"partner{n}.example")
    status = Partner.Status.ACTIVE


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    organization = factory.SelfAttribute("partner.organization")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@partner.example")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    kind = Program.Kind.RESELLER
    compensation_model = Program.Compensation.PERCENT
    rate = 20


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n + 1)


def _parent_org_or_new(partner_stub):
    """The partnership's organization when the caller gave one, else a new organization.

    `PartnershipFactory(organization=org)` thus builds its partner in `org` too, while
    `PartnershipFactory(partner=p)` and `PartnershipFactory()` keep taking the partner's organization.
    """
    try:
        return partner_stub.factory_parent.organization
    except factory.errors.CyclicDefinitionError:
        return OrganizationFactory()


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    partner = factory.SubFactory(PartnerFactory, organization=factory.LazyAttribute(_parent_org_or_new))
    organization = factory.SelfAttribute("partner.organization")
    program = factory.SubFactory(ProgramFactory, organization=factory.SelfAttribute("..organization"))
    status = Partnership.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=90))


class JourneyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyTemplate

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Journey {n}")


class JourneyStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStage

    template = factory.SubFactory(JourneyTemplateFactory)
    organization = factory.SelfAttribute("template.organization")
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: n + 1)


class JourneyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JourneyStep

    stage = factory.SubFactory(JourneyStageFactory)
    organization = factory.SelfAttribute("stage.organization")
    name = factory.Sequence(lambda n: f"Step {n}")
    order = factory.Sequence(lambda n: n + 1)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    partner = factory.SubFactory(PartnerFactory)
    organization = factory.SelfAttribute("partner.organization")
    name = factory.Sequence(lambda n: f"Certification {n}")
    issued_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=200))
    expires_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=165))
