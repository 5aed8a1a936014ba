"""Bench-only URLs: POM's own, plus a raw `.values()` page of the same partner rows the API lists.

Used only when POM_BENCH_URLS=True (pom/settings.py picks this ROOT_URLCONF); never in production. The
raw page is the ceiling the API list is compared with in bench/load/run.py: same rows, same page size,
same count, same authentication, no serializer, filters or prefetches.
"""

from django.http import Http404, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from rest_framework.decorators import api_view
from rest_framework.response import Response

from partners.models import Partner
from pom.api.auth import ApiKeyAuthentication

FIELDS = ("id", "name", "domain", "status", "region", "country", "created_at", "updated_at")


@api_view(["GET"])
def raw_partners(request, org_slug):
    principal = request.auth
    org = getattr(principal, "organization", None)
    if org is None or org.slug != org_slug:
        raise Http404
    page = max(1, int(request.GET.get("page", 1)))
    rows = Partner.objects.for_org(org).order_by("name", "pk")
    start = (page - 1) * 50
    return Response({"count": rows.count(), "results": list(rows.values(*FIELDS)[start : start + 50])})


raw_partners.cls.authentication_classes = [ApiKeyAuthentication]


@require_GET
def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/raw/o/<slug:org_slug>/partners/", raw_partners, name="bench_raw_partners"),
    path("bench/ping/", ping),
    path("", include("pom.urls")),
]
