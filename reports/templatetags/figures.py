from decimal import Decimal

from django import template
from django.utils.html import format_html

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


@register.simple_tag
def interval_bar_svg(bar, label):
    """The SVG of a reports.charts.interval_bar, rendered in Python: an include per table row cost more
    than the rest of the national overview together."""
    if not bar:
        return ""
    interval = ""
    if bar.get("low") is not None:
        interval = format_html('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#1d70b8" stroke-width="6"/>',
                               f"{bar['low']:.1f}", f"{bar['high']:.1f}", bar["mid"], bar["mid"])
    return format_html(
        '<svg width="{w}" height="{h}" role="img" aria-label="{label}: {text}" focusable="false">'
        '<title>{label}: {text}</title>'
        '<line x1="0" x2="{w}" y1="{mid}" y2="{mid}" stroke="#b1b4b6" stroke-width="1"/>{interval}'
        '<circle cx="{rate}" cy="{mid}" r="4" fill="#0b0c0c"/></svg>',
        w=bar["width"], h=bar["height"], label=label, text=bar["text"], mid=bar["mid"], interval=interval,
        rate=f"{bar['rate']:.1f}",
    )


@register.filter
def signed_points(value):
    """A difference of two rates in percentage points, signed: 0.0712 → "+7.1 points"."""
    if value is None or value == "":
        return "—"
    points = float(value) * 100
    return f"{'+' if points > 0 else '−' if points < 0 else ''}{abs(points):.1f} points"


@register.filter
def p_value(value):
    """A p-value as reports print it: to 3 decimal places, or "< 0.001"."""
    from reports.statistics import format_p_value

    return format_p_value(float(value))
