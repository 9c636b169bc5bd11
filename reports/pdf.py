"""PDF reports, rendered by WeasyPrint from templates/reports/pdf/ with the same tables and chart geometry as
the pages: a cover, contents, the charts as SVG (vector), the tables, and the method in full; every page
carries the protective marking, its number and the date produced. Nothing is fetched while rendering: the
stylesheet is read from this package and every other address is refused."""

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML

from core.downloads import attachment
from reports import selectors
from reports.charts import chart_values, interval_bar, rate_range, trend_chart
from reports.guide import NOTES, method_sections
from reports.tables import category_reason, point_label, scope_sentence

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
STYLESHEET = Path(__file__).with_name("pdf.css")
# Told when the figures are gathered and the pages are being laid out (a background job's progress: reports.tasks).
laying_out: ContextVar[Callable[[], None] | None] = ContextVar("pdf_laying_out", default=None)


@dataclass
class Cover:
    """What the cover says the report is about."""

    title: str
    force: str
    inspection: str
    audit_period: str
    publication: str  # "Published March 2024", or "Provisional — not published"
    provisional: bool = False
    lines: list = field(default_factory=list)  # the export preamble: interval, filters, labels


def audit_period(inspection):
    start, end = inspection.audit_period_start, inspection.audit_period_end
    if not (start and end):
        return "No audit period recorded"
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def publication(figures):
    if figures.provisional:
        return "Provisional — not published"
    published_on = figures.inspection.published_on
    return f"Published {published_on:%B %Y}" if published_on else "Published (no publication date recorded)"


def _refuse(url, *args, **kwargs):
    raise ValueError(f"PDF rendering fetches nothing: {url}")


def render(template, context):
    """The PDF's bytes. ``context`` has at least ``cover`` (a Cover) and ``tables``."""
    produced = timezone.localtime()
    html = render_to_string(template, {
        **context, "marking": PROTECTIVE_MARKING, "produced": produced, "notes": NOTES,
        "method_sections": method_sections(),
    })
    if (told := laying_out.get()) is not None:
        told()
    return HTML(string=html, url_fetcher=_refuse, base_url=None).write_pdf(stylesheets=[
        CSS(string=STYLESHEET.read_text(), url_fetcher=_refuse),
        CSS(string=page_margins(PROTECTIVE_MARKING, f"Produced {produced:%-d %B %Y %H:%M}"), url_fetcher=_refuse)])


def _css_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_margins(marking, produced):
    """The marking at the top and bottom of every page (the cover too), the date produced and the page number
    in the footer."""
    return (f"@page {{ @top-center {{ content: {_css_string(marking)}; }} "
            f"@bottom-center {{ content: {_css_string(marking)}; }} "
            f"@bottom-left {{ content: {_css_string(produced)}; }} "
            '@bottom-right { content: "Page " counter(page) " of " counter(pages); } }')


def response(template, context, filename):
    return attachment(render(template, context), "application/pdf", f"{filename}.pdf")


def overview_context(rows, *, provisional, lines):
    """The national overview: a cover, the forces' rates with their intervals drawn, the overlap reading."""
    overlapping, pairs = selectors.overlapping_neighbours(rows)
    bar_low, _ = rate_range([r.headline.low if r.headline.low is not None else r.headline.rate
                             for r in rows if r.headline])
    return {
        "cover": Cover("National overview", force=f"{len(rows)} force{'s' if len(rows) != 1 else ''}",
                       inspection="The latest inspection of each force",
                       audit_period="Each inspection's own (see each force's report)",
                       publication="Includes provisional figures" if provisional else "Published figures only",
                       provisional=provisional and any(row.figures.provisional for row in rows), lines=lines),
        "summary_template": "reports/pdf/overview_summary.html",
        "bars": [(row, interval_bar(row.headline, low=bar_low)) for row in rows],
        "bar_low": bar_low, "overlapping": overlapping, "pairs": pairs,
    }


def force_context(force, figures, trends, lines):
    """A force's report: its latest inspection on the cover, and a trend chart a category."""
    latest = max(figures, key=lambda f: (f.inspection.published_on is not None, f.inspection.published_on,
                                         f.inspection.pk), default=None)
    return {
        "cover": Cover(f"{force.name}: crime recording", force=f"{force.name} ({force.region})",
                       inspection=f"{len(figures)} inspection{'s' if len(figures) != 1 else ''}"
                                  + (f", the latest {latest.kind_title}" if latest else ""),
                       audit_period=audit_period(latest.inspection) if latest else "No inspection with figures",
                       publication=publication(latest) if latest else "Nothing published",
                       provisional=any(f.provisional for f in figures), lines=lines),
        "charts": trend_charts(trends),
        "charts_title": "Trend charts",
    }


def trend_charts(trends):
    """(trend, chart) per category with figures, for a force's report page and its PDF: both the published and
    the computed figure of each inspection, on one y-axis for every chart of the report; a single point is no
    trend, so no chart (the templates say so)."""
    points = {trend.category.key: [(point_label(item), item.as_published(trend.category.key),
                                    item.computed(trend.category.key) if item.has_cases else None)
                                   for item, _ in trend.points] for trend in trends}
    shared_low, _ = rate_range(chart_values([point for each in points.values() for point in each]))
    return [(trend, trend_chart(points[trend.category.key], low=shared_low) if len(trend.points) > 1 else None)
            for trend in trends if trend.points]


def inspection_context(figures, *, method, weighted, lines):
    """One inspection's report: its headline rates with their intervals drawn."""
    inspection = figures.inspection
    return {
        "cover": Cover(figures.title, force=inspection.force.name, inspection=figures.kind_title,
                       audit_period=audit_period(inspection), publication=publication(figures),
                       provisional=figures.provisional, lines=lines),
        "summary_template": "reports/pdf/inspection_summary.html",
        "figures": figures, "method": method, "weighted": weighted,
        "bars": headline_rows(figures),
    }


def headline_rows(figures):
    """Per category, for the report page and its PDF: (result, its interval bar, audited?, scope label, scope
    sentence, why its figure is missing or shown as "x of y")."""
    return [(r, interval_bar(r.headline) if figures.scope.audits(r.group.key) else None,
             figures.scope.audits(r.group.key), figures.scope.treatment_label(r.group.key),
             scope_sentence(figures, r.group.key), category_reason(figures, r))
            for r in figures.results.categories]
