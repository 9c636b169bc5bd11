from django import template

from reports.guide import NOTES

register = template.Library()

# Where each note is set out in full on the method page.
SECTIONS = {"margin": "intervals", "small": "intervals", "significant": "changes", "computed": "published",
            "unrecorded": "unrecorded"}


@register.inclusion_tag("reports/includes/help.html")
def help_note(key):
    """A short plain-English note on one kind of statistic, opened on demand, linking to the method page."""
    return {"note": NOTES[key], "section": SECTIONS[key]}
