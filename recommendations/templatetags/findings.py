"""Findings shown on pages that belong to the apps below (an inspection's page), without those apps
importing recommendations."""

from django import template

from recommendations.selectors import findings_for

register = template.Library()


@register.simple_tag(takes_context=True)
def inspection_findings(context, inspection):
    """The findings of ``inspection`` the signed-in user may see, by reference."""
    return findings_for(context["request"].user).filter(inspection=inspection).order_by("reference")
