"""Helpers shared by server-rendered pages of every app."""

from __future__ import annotations

import contextlib

from django.core.paginator import Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset, per_page: int = 50):
    """A page of `queryset` from `?page=`; out-of-range pages show the last page."""
    with contextlib.suppress(ValueError):
        per_page = max(10, min(200, int(request.GET.get("per_page", per_page))))
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pagination links that keep filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
