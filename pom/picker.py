"""A search-as-you-type picker for one partner or partnership, instead of a <select> of all of them.

An organization with 10,000 partners cannot render them as `<option>`s in every filter bar (the
pipeline list spent 1.8 s on it). The picker is a text input with the ARIA combobox pattern: typing
asks a small endpoint (`partners:pick`, at most `PICK_LIMIT` matches as `<li role="option">`) and
`static/js/pom.js` ([data-picker]) shows them in a listbox the keyboard can walk (↑ ↓ Enter Escape).
The chosen id travels in a hidden input named after the field; the text input is `<field>_name`.

Without JavaScript the hidden input stays disabled (so it is not submitted) and the typed name is
resolved on the server: an exact name (case-insensitive), else the one name containing it; "Partner ·
Program" for a partnership. Forms use `PickerChoiceField` + `bind(field, org=)`; hand-written
filter bars use `{% picker %}` (pom_tags) and `resolve_query` in the view.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

KINDS = ("partners", "partnerships")
SEPARATOR = " · "


def _rows(org, kind: str):
    from partners.models import Partner, Partnership

    return Partner.objects.for_org(org) if kind == "partners" else Partnership.objects.for_org(org)


def label_for(org, kind: str, pk) -> str:
    """The shown name of the partner/partnership `pk` of `org` ('' when it is not one of them)."""
    if not str(pk).isdigit():
        return ""
    rows = _rows(org, kind).filter(pk=pk)
    if kind == "partners":
        found = rows.values_list("name", flat=True).first()
        return found or ""
    found = rows.values_list("partner__name", "program__name").first()
    return SEPARATOR.join(found) if found else ""


def match(org, kind: str, text: str):
    """The one row of `org` a typed name designates, or a ValidationError saying why none does."""
    text = text.strip()
    rows = _rows(org, kind)
    if kind == "partners":
        exact, contains = Q(name__iexact=text), Q(name__icontains=text)
    else:
        partner, _sep, program = text.partition(SEPARATOR.strip())
        partner, program = partner.strip(), program.strip()
        exact = Q(partner__name__iexact=partner) & (Q(program__name__iexact=program) if program else Q())
        contains = Q(partner__name__icontains=text) | Q(program__name__icontains=text)
    for condition in (exact, contains):
        found = list(rows.filter(condition).order_by("pk")[:2])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                _("Several match “%(text)s”: type more of the name or pick one from the list.") % {"text": text},
                code="ambiguous",
            )
    raise ValidationError(_("Nothing matches “%(text)s”.") % {"text": text}, code="invalid_choice")


def context(org, *, kind: str, name: str, value, id_: str = "", label: str = "", placeholder: str = "") -> dict:
    """The template context of `pom/_picker.html` for the field `name` holding `value` (an id, a typed
    name or empty)."""
    value = "" if value is None else getattr(value, "pk", value)
    pk = str(value) if str(value).isdigit() else ""
    shown = label_for(org, kind, pk) if pk else str(value)
    return {
        "name": name,
        "id": id_ or f"id_{name}",
        "pk": pk,
        "text": shown,
        "label": label,
        "url": reverse("partners:pick", args=[org.slug, kind]),
        "placeholder": placeholder or _("Type a name"),
    }


def resolve_query(data: QueryDict, *, org, field: str, kind: str) -> tuple[QueryDict, str]:
    """`data` with `field` set from a typed `<field>_name` when no id came (no JavaScript), and the
    error to show when the name designates nothing or several."""
    typed = (data.get(f"{field}_name") or "").strip()
    if data.get(field) or not typed:
        return data, ""
    data = data.copy()
    try:
        data[field] = str(match(org, kind, typed).pk)
    except ValidationError as exc:
        return data, " ".join(exc.messages)
    return data, ""


class PickerWidget(forms.Widget):
    def __init__(self, *, kind: str = "partners", attrs=None):
        assert kind in KINDS
        super().__init__(attrs)
        self.kind = kind
        self.org = None

    def value_from_datadict(self, data, files, name):
        value = (data.get(name) or "").strip()
        return value or (data.get(f"{name}_name") or "").strip()

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_name" not in data

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (templates/pom/_picker.html), not the forms renderer's own.
        attrs = self.build_attrs(self.attrs, attrs)
        ctx = context(self.org, kind=self.kind, name=name, value=value, id_=attrs.get("id", ""))
        ctx.update(
            required=bool(attrs.get("required")),
            invalid=str(attrs.get("aria-invalid", "")).lower() == "true",
            describedby=attrs.get("aria-describedby", ""),
        )
        return mark_safe(render_to_string("pom/_picker.html", {"picker": ctx}))


class PickerChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose widget is the picker: takes an id, or a typed name (see `match`)."""

    def __init__(self, *, kind: str = "partners", queryset=None, org=None, **kwargs):
        kwargs.setdefault("widget", PickerWidget(kind=kind))
        super().__init__(queryset=queryset, **kwargs)
        self.widget.org = org

    def to_python(self, value):
        if value in self.empty_values or str(value).isdigit():
            return super().to_python(value)
        found = match(self.widget.org, self.widget.kind, str(value))
        return super().to_python(found.pk)


def bind_all(form: forms.BaseForm, *, org) -> None:
    """Point every picker field of `form` at `org`'s endpoint (their querysets are set by the form)."""
    for field in form.fields.values():
        if isinstance(field.widget, PickerWidget):
            field.widget.org = org


def bind(field: forms.Field, *, org, queryset=None) -> None:
    """Point a picker field at `org` (its endpoint and its rows); `queryset` narrows further."""
    field.widget.org = org
    field.queryset = queryset if queryset is not None else _rows(org, field.widget.kind)


class PickerFilter(django_filters.ModelChoiceFilter):
    """A django-filter ModelChoiceFilter rendered as the picker; call `bind(org=)` in the FilterSet's
    `__init__` (it sets the rows and the endpoint)."""

    field_class = PickerChoiceField

    def __init__(self, *args, kind: str = "partners", **kwargs):
        kwargs.setdefault("widget", PickerWidget(kind=kind))
        super().__init__(*args, **kwargs)
        self.org = None

    def bind(self, *, org, queryset=None) -> None:
        self.org = org
        self.queryset = queryset if queryset is not None else _rows(org, self.extra["widget"].kind)

    @property
    def field(self):
        field = super().field
        field.widget.org = self.org
        return field
