"""The API's filter backends (pom/api/filters.py): a FilterSet is only skipped when the request names none
of its filters and it would filter nothing; `?ordering=` ends with the view's own order and the id."""

import django_filters
import pytest
from django.urls import reverse
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory

from partners.models import Partner
from pom.api.filters import FilterBackend
from tests.factories import PartnerFactory, PartnershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_partner_list_filters_only_when_asked_and_refuses_bad_values(org, api_client):
    PartnerFactory(organization=org, name="Active one", status="active")
    PartnerFactory(organization=org, name="Prospect one", status="prospect")
    url = reverse("partners-api:partner-list", args=[org.slug])

    assert api_client.get(url, {"page": 1}).json()["count"] == 2
    assert [r["name"] for r in api_client.get(url, {"status": "active"}).json()["results"]] == ["Active one"]
    assert [r["name"] for r in api_client.get(url, {"q": "prosp"}).json()["results"]] == ["Prospect one"]
    response = api_client.get(url, {"status": "sleeping"})
    assert response.status_code == 400 and "status" in response.json()


class _Rows(serializers.Serializer):
    name = serializers.CharField()


class _RangeAndRequired(django_filters.FilterSet):
    created = django_filters.DateFromToRangeFilter(field_name="created_at")  # `created_after`, `created_before`
    status = django_filters.CharFilter(required=True)

    class Meta:
        model = Partner
        fields: list[str] = []


class _Ranged(django_filters.FilterSet):
    created = django_filters.DateFromToRangeFilter(field_name="created_at")

    class Meta:
        model = Partner
        fields: list[str] = []


def _list(filterset_class, org, params):
    class View(generics.ListAPIView):
        queryset = Partner.objects.for_org(org).order_by("name")
        serializer_class = _Rows
        filter_backends = [FilterBackend]
        pagination_class = None
        authentication_classes = []
        permission_classes = []

    View.filterset_class = filterset_class
    return View.as_view()(APIRequestFactory().get("/", params))


def test_a_suffixed_parameter_still_filters_and_a_required_filter_is_still_required(org):
    old = PartnerFactory(organization=org, name="Old")
    Partner.objects.filter(pk=old.pk).update(created_at="2020-01-01T00:00:00Z")
    PartnerFactory(organization=org, name="New")

    assert [r["name"] for r in _list(_Ranged, org, {}).data] == ["New", "Old"]
    assert [r["name"] for r in _list(_Ranged, org, {"created_after": "2021-01-01"}).data] == ["New"]
    response = _list(_RangeAndRequired, org, {})
    assert response.status_code == 400 and "status" in response.data


def test_ordering_by_a_tied_field_pages_without_repeating_or_skipping(org, api_client):
    program = ProgramFactory(organization=org)
    for n in range(9):
        partner = PartnerFactory(organization=org, name=f"P{n}")
        if n % 3 == 0:
            PartnershipFactory(partner=partner, program=program)
    url = reverse("partners-api:partner-list", args=[org.slug])
    seen = []
    for page in (1, 2, 3):
        body = api_client.get(url, {"ordering": "-partnership_count", "page_size": 3, "page": page}).json()
        seen += [(r["partnership_count"], r["name"]) for r in body["results"]]
    # ties keep the view's own order (name, then id)
    assert seen == [(1, "P0"), (1, "P3"), (1, "P6"), (0, "P1"), (0, "P2"), (0, "P4"), (0, "P5"), (0, "P7"), (0, "P8")]
