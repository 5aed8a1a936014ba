"""The API's filter backends: django-filter's, without building a FilterSet a request gives nothing to;
DRF's ordering, made total."""

from __future__ import annotations

import functools

from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters


@functools.cache
def _prefixes(filterset_class: type[FilterSet]) -> tuple[str, ...] | None:
    """The filter names a request's parameters must start with to filter anything (a range filter's
    widget reads `<name>_min`, `<name>_after`…), or None when the class filters even without any
    (it overrides how the queryset is filtered, or a filter is required)."""
    if filterset_class.filter_queryset is not FilterSet.filter_queryset or filterset_class.qs is not FilterSet.qs:
        return None
    if any(f.extra.get("required") for f in filterset_class.base_filters.values()):
        return None
    return tuple(filterset_class.base_filters)


class FilterBackend(DjangoFilterBackend):
    """Building a FilterSet deep-copies all its filters and validates a form (about a millisecond for
    the partner list's dozen). When no parameter names one of them, every filter would return the
    queryset unchanged (django-filter skips empty values), so the queryset is returned as it is."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "filterset_class", None) is not None:
            prefixes = _prefixes(self.get_filterset_class(view, queryset))
        else:  # `filterset_fields`: plain filters named by their fields (`<field>__<lookup>` too)
            prefixes = tuple(getattr(view, "filterset_fields", None) or ())
        if prefixes is not None and not any(key.startswith(prefixes) for key in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` with the view's own order after it, then the id: rows that tie on the requested
    field (a partnership count, a status) keep one order, so paging through them neither repeats nor
    skips a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        named = {field.lstrip("-") for field in ordering}
        tail = [field for field in self.get_default_ordering(view) or () if field.lstrip("-") not in named]
        ordering = [*ordering, *tail]
        if not {"pk", "id"} & {field.lstrip("-") for field in ordering}:
            ordering.append("pk")
        return ordering
