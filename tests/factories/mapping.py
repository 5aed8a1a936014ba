"""Account-mapping factories: maps, partner lists and rows, matches, sharing rules, co-sell requests."""

import factory

from attribution.mapping_models import (
    AccountMap,
    AccountMatch,
    CoSellRequest,
    PartnerAccount,
    PartnerAccountList,
    SharingRule,
)
from attribution.normalize import match_name
from pom.domains import domain_key
from tests.factories.partners import PartnershipFactory
from tests.factories.pom import OrganizationFactory


class AccountMapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountMap

    organization = factory.SubFactory(OrganizationFactory)
    partnership = factory.SubFactory(PartnershipFactory, organization=factory.SelfAttribute("..organization"))


class PartnerAccountListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAccountList

    account_map = factory.SubFactory(AccountMapFactory)
    organization = factory.SelfAttribute("account_map.organization")
    status = PartnerAccountList.Status.CURRENT
    original_name = "accounts.csv"


class PartnerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAccount

    account_list = factory.SubFactory(PartnerAccountListFactory)
    account_map = factory.SelfAttribute("account_list.account_map")
    organization = factory.SelfAttribute("account_list.organization")
    name = factory.Sequence(lambda n: f"Partner customer {n}")
    name_key = factory.LazyAttribute(lambda o: match_name(o.name))
    domain = factory.Sequence(lambda n: f"partnercustomer{n}.example")
    domain_key = factory.LazyAttribute(lambda o: domain_key(o.domain) if o.domain else None)
    population = "customer"


class AccountMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountMatch

    partner_account = factory.SubFactory(PartnerAccountFactory)
    account_map = factory.SelfAttribute("partner_account.account_map")
    organization = factory.SelfAttribute("partner_account.organization")
    method = AccountMatch.Method.DOMAIN


class SharingRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharingRule

    account_map = factory.SubFactory(AccountMapFactory)
    organization = factory.SelfAttribute("account_map.organization")
    side = "partner"
    partner_population = "customer"
    level = "overlap"


class CoSellRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoSellRequest

    account_map = factory.SubFactory(AccountMapFactory)
    organization = factory.SelfAttribute("account_map.organization")
    partnership = factory.SelfAttribute("account_map.partnership")
    partner_account_name = "Globex"
