"""Display helpers for plan values."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.simple_tag
def kr_value(kr, value, currency: str = ""):
    """A key result value in its unit: 12,500 EUR · 45 % · Yes · 12."""
    if value is None:
        return "—"
    if kr.unit == "boolean":
        return "Yes" if Decimal(value) != 0 else "No"
    text = floatformat(value, "-2g")
    if kr.unit == "percent":
        return f"{text} %"
    if kr.unit == "currency":
        return f"{text} {currency}".strip()
    return text
