from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain_number(value):
    """A published figure as the report printed it: 80.40 → 80.4, 90.00 → 90."""
    if value is None or value == "":
        return ""
    number = Decimal(value).normalize()
    return f"{number:f}"


@register.filter
def percent(value, places=1):
    """0.8043 → "80.4%"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def zip_with(values, flags):
    """Pairs each value with its flag: ``{% for cell, numeric in row|zip_with:table.numeric_flags %}``."""
    return zip(values, flags)
