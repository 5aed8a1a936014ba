"""Display helpers for plan values."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from pom.l10n import money_text

register = template.Library()


@register.simple_tag
def kr_value(kr, value, currency: str = ""):
    """A key result value in its unit, per the reader's locale: €12,500.00 (12.500,00 € in German) · 45 % · Yes · 12."""
    if value is None:
        return "—"
    if kr.unit == "boolean":
        return _("Yes") if Decimal(value) != 0 else _("No")
    text = floatformat(value, "-2g")
    if kr.unit == "percent":
        return f"{text} %"
    if kr.unit == "currency":
        return money_text(value, currency) if currency else text
    return text
