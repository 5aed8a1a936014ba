from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value):
    """A table cell as shown: "—" for nothing, numbers in the viewer's locale (two decimals at most)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, Decimal | float):
        places = 0 if Decimal(str(value)) == Decimal(str(value)).to_integral() else (1 if abs(value) < 1000 else 0)
        return number_format(value, decimal_pos=places, force_grouping=True)
    return value
