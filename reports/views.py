import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from audits.filters import InspectionFilter
from audits.models import AccessRecord, Inspection
from audits.scope import area_list
from audits.selectors import inspections_for, wants_provisional
from audits.services.access import record_access
from forces.models import Force
from forces.roles import can_edit_audits
from recommendations.selectors import findings_for, status_summary
from reports import pdf, pdf_jobs, record, selectors, tables
from reports.charts import interval_bar, rate_range
from reports.exports import FORMATS, export, old_csv_link
from reports.models import ResultVersion
from reports.public import missing_unrecorded
from reports.publishing import blockers, publication_checks, publish_inspection
from reports.results import COUNTING_RULE, TIMELINESS_RULE
from reports.statistics import NORMAL_APPROXIMATION_RULE, ExtrapolationMethod, IntervalMethod
from reports.weighted import RULE as WEIGHTING_RULE
from reports.weighted import stratum_counts, weighted_estimate


def _options(request):
    return {
        "method": IntervalMethod.from_key(request.GET.get("interval")),
        "extrapolation": ExtrapolationMethod.from_key(request.GET.get("extrapolation")),
        "interval_methods": list(IntervalMethod),
        "extrapolation_methods": list(ExtrapolationMethod),
        "query": request.GET.urlencode(),
        "counting_rule": COUNTING_RULE,
        "timeliness_rule": TIMELINESS_RULE,
        "normal_approximation_rule": NORMAL_APPROXIMATION_RULE,
        "include_provisional": wants_provisional(request),
        "can_include_provisional": can_edit_audits(request.user),
    }


SORT_CHOICES = [("rate", "Highest rate first"), ("-rate", "Lowest rate first"), ("force", "Force name"),
                ("region", "Region"), ("published", "Most recently published")]


def _check_format(fmt):
    if fmt is not None and fmt not in FORMATS:
        raise Http404


def overview(request, fmt=None):
    _check_format(fmt)
    record_access(request, AccessRecord.Kind.EXPORT if fmt else AccessRecord.Kind.REPORT)
    if fmt == "pdf" and not pdf_jobs.in_job(request):
        return pdf_jobs.start(request, view="overview", args=[], title="National overview: PDF report")
    options = _options(request)
    provisional = options["include_provisional"]
    overview_filter = InspectionFilter(request.GET or None,
                                     queryset=selectors.inspections_with_results(request.user, provisional))
    valid = not overview_filter.is_bound or overview_filter.is_valid()
    inspections = overview_filter.qs if valid else Inspection.objects.none()
    sort = request.GET.get("sort", "rate")
    rows = selectors.national_overview(inspections, options["method"], sort, provisional)
    table = tables.overview_table(rows, options["method"])
    if fmt:
        preamble = _filters_line(overview_filter) + tables.labels_lines([row.figures for row in rows])
        return export(fmt, [table], "national-overview", preamble=preamble, table=request.GET.get("table"),
                      pdf_context=pdf.overview_context(rows, provisional=provisional, lines=preamble))
    overlapping, pairs = selectors.overlapping_neighbours(rows)
    bar_low, _ = rate_range([r.headline.low if r.headline.low is not None else r.headline.rate
                             for r in rows if r.headline])
    return render(request, "reports/overview.html", {
        **options, "filter": overview_filter, "sort": sort, "table": table,
        "rows": [(row, cells, interval_bar(row.headline, low=bar_low), *_row_links(row))
                 for row, cells in zip(rows, table.rows)],
        "bar_low": bar_low,
        "overlapping": overlapping, "pairs": pairs, "sort_choices": SORT_CHOICES,
        "synthetic": any(row.figures.synthetic for row in rows),
    })


@functools.cache
def _link_patterns():
    """Reversed once, not twice per row: 86 reversals were half the overview's rendering time."""
    return reverse("reports:force", args=["__force__"]), reverse("reports:inspection", args=[0])


def _row_links(row):
    force_url, report_url = _link_patterns()
    return (force_url.replace("__force__", row.inspection.force.slug),
            report_url.replace("/0/", f"/{row.inspection.pk}/"))


def _filters_line(filter_set):
    if not filter_set.is_bound or not filter_set.is_valid():
        return ["Filters: none" if not filter_set.is_bound else "Filters: not valid, nothing shown"]
    chosen = [f"{filter_set.form.fields[name].label or name}: {value}"
              for name, value in filter_set.form.cleaned_data.items() if value not in (None, "")]
    return ["Filters: " + ("; ".join(chosen) if chosen else "none")]


def force_report(request, slug, fmt=None):
    _check_format(fmt)
    force = get_object_or_404(Force.objects.for_user(request.user), slug=slug)
    if moved := old_csv_link(request, fmt):
        return moved
    record_access(request, AccessRecord.Kind.EXPORT if fmt else AccessRecord.Kind.REPORT)
    if fmt == "pdf" and not pdf_jobs.in_job(request):
        return pdf_jobs.start(request, view="force", args=[force.slug], title=f"{force.name}: PDF report")
    options = _options(request)
    provisional = options["include_provisional"]
    figures = selectors.figures_for(
        selectors.inspections_with_results(request.user, provisional).filter(force=force), options["method"],
        include_provisional=provisional)
    trends = selectors.force_trends(figures)
    latest = selectors.latest_with_cases(figures)
    estimates = selectors.unrecorded_estimates(latest, options["extrapolation"]) if latest else []
    grades_table = tables.force_grades_table(figures)
    report_tables = [grades_table, tables.trend_table(trends), tables.changes_table(trends)]
    if latest:
        report_tables += [tables.marked_provisional(table, latest) for table in (
            tables.errors_table(latest), tables.unrecorded_table(
                estimates, options["extrapolation"], missing_unrecorded(latest, {row[0].key for row in estimates})))]
    if fmt:
        preamble = [f"{force.name}", f"Interval: {options['method'].description}", *tables.labels_lines(figures)]
        return export(fmt, report_tables, f"{force.slug}-report", preamble=preamble, table=request.GET.get("table"),
                      pdf_context=pdf.force_context(force, figures, trends, preamble[1:]))
    charts = pdf.trend_charts(trends)
    findings = findings_for(request.user).filter(inspection__force=force)
    return render(request, "reports/force.html", {
        **options, "force": force, "charts": charts, "grades_table": grades_table, "tables": report_tables,
        "figure_tables": report_tables[1:],
        "latest": latest,
        "recommendations": status_summary(findings),
        "synthetic": any(f.synthetic for f in figures),
        "provisional": any(f.provisional for f in figures),
    })


def _inspection_figures(request, pk, method):
    """The inspection's published figures (latest version, or ``?version=N``); provisional figures
    when it was never published, or when an inspector asks for them."""
    inspection = get_object_or_404(Inspection.objects.for_user(request.user), pk=pk)
    scoped = Inspection.objects.filter(pk=inspection.pk)
    if wants_provisional(request) and not inspection.is_locked:
        return selectors.live_figures_for(scoped, method)[0]
    try:
        number = selectors.version_number(request.GET.get("version"))
    except ValueError:
        raise Http404 from None
    if number is not None:
        found = selectors.figures_for(scoped, method, version_number=number)
        if not found:
            raise Http404
        return found[0]
    return selectors.figures_for(scoped, method, include_provisional=True)[0]


def _weighted(figures):
    if figures.version is not None:
        return record.frozen_weighted(figures.version)
    draw = selectors.sample_draw(figures.inspection)
    return weighted_estimate(draw, stratum_counts(figures.inspection.pk)) if draw else None


def inspection_report(request, pk, fmt=None):
    _check_format(fmt)
    options = _options(request)
    figures = _inspection_figures(request, pk, options["method"])
    if moved := old_csv_link(request, fmt):
        return moved
    record_access(request, AccessRecord.Kind.EXPORT if fmt else AccessRecord.Kind.REPORT, pk)
    if fmt == "pdf" and not pdf_jobs.in_job(request):
        return pdf_jobs.start(request, view="inspection", args=[pk], title=f"{figures.title}: PDF report")
    estimates = selectors.unrecorded_estimates(figures, options["extrapolation"])
    additional = selectors.additional_estimates(figures)
    report_tables = [tables.grades_table(figures), tables.categories_table(figures), tables.errors_table(figures),
                     tables.rules_table(figures),
                     tables.flags_table(figures), tables.comparison_table(figures), tables.by_source_table(figures),
                     *([tables.additional_table(additional)] if additional else []),
                     tables.unrecorded_table(estimates, options["extrapolation"],
                                             missing_unrecorded(figures, {row[0].key for row in estimates}))]
    outcomes = selectors.case_outcomes(figures)
    # A version frozen before these were recorded says so, if it had cases; otherwise shown when there are cases.
    if (outcomes is None and figures.has_cases) or (outcomes is not None and outcomes.records_audited):
        report_tables += [tables.records_table(outcomes), tables.case_results_table(outcomes),
                          tables.safeguarding_table(outcomes)]
    cancellations = selectors.cancellation_review(figures)
    if cancellations.has_reviews:
        report_tables += [tables.cancellations_table(cancellations), tables.incorrect_cancellations_table(cancellations)]
    inspection = figures.inspection
    weighted = _weighted(figures)
    if weighted:
        report_tables.insert(2, tables.weighted_table(weighted, WEIGHTING_RULE))
    if figures.scope.recorded:
        report_tables.insert(0, tables.scope_table(figures))
    title = figures.title
    preamble = [title, f"Published: {tables.month(inspection.published_on) or 'not yet'}",
                f"Interval: {options['method'].description}", *tables.labels_lines([figures])]
    if figures.version and figures.version.is_revision:
        preamble.append(tables.revision_line(figures.version))
    if fmt:
        return export(fmt, report_tables, f"{inspection.force.slug}-inspection-{inspection.pk}-report",
                      preamble=preamble, table=request.GET.get("table"), pdf_context=pdf.inspection_context(
                          figures, method=options["method"], weighted=weighted, lines=preamble[2:]))
    versions = figures.versions or list(ResultVersion.objects.filter(inspection=inspection).order_by("-number"))
    return render(request, "reports/inspection.html", {
        **options, "inspection": inspection, "figures": figures, "tables": report_tables,
        "bars": pdf.headline_rows(figures),
        "scope_audited": area_list(figures.scope.audited), "scope_carried": area_list(figures.scope.carried_forward),
        "weighted": weighted,
        "versions": versions, "latest_version": versions[0] if versions else None, "cancellations": cancellations,
    })


def publish(request, pk):
    """Guided publication: what must hold, each with its state and a link to put it right, and Publish (one
    confirmation) when everything holds. Inspectors and administrators only."""
    if not can_edit_audits(request.user):
        raise PermissionDenied
    inspection = get_object_or_404(inspections_for(request.user), pk=pk)
    refused: list[str] = []
    if request.method == "POST":
        try:
            publish_inspection(inspection_id=inspection.pk, by=request.user)
        except ValidationError as problem:
            refused = problem.messages
        else:
            messages.success(request, f"{inspection.title} is published: its figures are frozen as a new version of "
                                      "its published record.")
            return redirect("reports:inspection", pk=inspection.pk)
        inspection.refresh_from_db()
    checks = publication_checks(inspection)
    return render(request, "reports/publish.html", {
        "inspection": inspection, "checks": checks, "blockers": blockers(checks), "refused": refused,
    }, status=400 if refused else 200)
