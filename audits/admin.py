"""Admin screens for entering audits: an inspection with its cases, a case with its crimes and their
errors on one screen, moderation and publication as bulk actions. Every write goes through
audits.services; every queryset through for_user (ScopedAdmin)."""

import json
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal
from simple_history.admin import SimpleHistoryAdmin

from audits import selectors, services
from audits.forms import (
    AuditedCaseForm,
    AuditedCrimeForm,
    AuditedCrimeFormSet,
    CancellationReviewAdminForm,
    CancellationReviewForm,
    CountingRuleAdminForm,
    ErrorsEntered,
    GradeRevisionForm,
    InspectionAdminForm,
    PublishedResultAdminForm,
    PublishedResultInlineFormSet,
    QueryReasonForm,
    ReopenReasonForm,
)
from audits.grading import GradeLine, Question
from audits.models import (
    AccessRecord,
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    CountingRule,
    Inspection,
    OffenceCode,
    OffenceGroup,
    OffenceSubgroup,
    PublishedResult,
)
from audits.rules import VICTIM_FLAGS, ErrorKind, built_in_rule_use
from audits.scope import area_list
from audits.services.cancellation_reviews import cancellation_review_delete, cancellation_review_save
from audits.services.inspections import REVISION_NEEDS_PUBLISHED
from audits.services.moderation import SUBMIT_IN_WORKER
from audits.tasks import submit_cases_job
from core import jobs
from core.categories import CASE_FILTER_CATEGORIES
from core.downloads import csv_response
from core.spreadsheets import format_moment
from forces.admin_site import NamedColumnsTabularInline, ScopedAdmin
from forces.models import Force
from forces.roles import Role, role_of
from forces.scoping import may_audit


def run_for_each(modeladmin, request, objects, action, done_message):
    """Apply a service to each selected object; report what worked, then every refusal in one message."""
    done, refused = 0, []
    for obj in objects:
        try:
            action(obj)
            done += 1
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    if done:
        modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)
    if refused:
        modeladmin.message_user(request, services.refusal_summary(refused), messages.ERROR)


#: The largest id PostgreSQL's bigint holds: a larger one in a filter is refused, not sent to the database.
MAX_ID = 2**63 - 1


def history_table(entries):
    if not entries:
        return "No changes recorded yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
        (
            (
                format_moment(record.history_date),
                record.history_user or "system",
                record.get_history_type_display(),
                label,
                record.instance,
            )
            for record, label in entries
        ),
    )
    return format_html(
        '<table><thead><tr><th>When</th><th>Who</th><th>Change</th><th>What</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        rows,
    )


class EditableUntilPublished:
    """Admin permissions: an object of a published inspection cannot be changed or deleted until the
    inspection is reopened (the services refuse it too; this keeps the screens from offering it)."""

    def inspection_of(self, obj):
        return obj.inspection

    def _editable(self, request, obj):
        """Not published (nor closed), and one whose audit data the user may write (forces.scoping.may_audit)."""
        if obj is None:
            return True
        inspection = self.inspection_of(obj)
        return not inspection.is_locked and may_audit_in(request, inspection)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


def may_audit_in(request, inspection):
    """forces.scoping.may_audit for the admin: a force auditor changes only their own force's self-audits."""
    return may_audit(request.user, force_id=inspection.force_id, kind=inspection.kind)


class InlineEditableUntilPublished(EditableUntilPublished):
    """The same for an inline, which also cannot add rows to a published inspection's object."""

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._editable(request, obj)


# Reference data ----------------------------------------------------------------------------------


@admin.register(OffenceGroup)
class OffenceGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(OffenceSubgroup)
class OffenceSubgroupAdmin(admin.ModelAdmin):
    """The offences a crime is classified in. The crimes' look-ups search here: by the subgroup's or group's
    name, or by a Home Office code (8N, 105a, 4/1; 1/1 finds class 1) or words of its description."""

    list_display = ["name", "group", "category"]
    list_filter = ["category", "group"]
    search_fields = ["name", "group__name", "codes__code", "codes__description"]
    list_select_related = ["group"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("codes")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.replace("\x00", "").strip()
        if not term:
            return queryset, False
        codes = selectors.offence_codes_matching(term)
        return queryset.filter(Q(name__icontains=term) | Q(group__name__icontains=term)
                               | Q(pk__in=codes.values("subgroup_id"))), False

    def autocomplete_label(self, subgroup, term):
        """The subgroup's name, and the code the term found in it (8N: "Violence with injury — 8N Assault with
        injury"); found by its name, just the name)."""
        term = (term or "").strip()
        if not term or term.lower() in subgroup.name.lower():
            return subgroup.name
        wanted = {code.pk for code in selectors.offence_codes_matching(term)}
        matched = [code for code in subgroup.codes.all() if code.pk in wanted]
        return f"{subgroup.name} — {matched[0]}" if matched else subgroup.name


@admin.register(OffenceCode)
class OffenceCodeAdmin(SimpleHistoryAdmin):
    """Home Office classification codes, each in the subgroup it counts in: administrators correct or add them."""

    list_display = ["code", "description", "subgroup"]
    list_filter = ["subgroup"]
    search_fields = ["code", "description"]
    list_select_related = ["subgroup"]


@admin.register(CountingRule)
class CountingRuleAdmin(SimpleHistoryAdmin):
    """The NCRS and HOCR provisions recording errors cite. Administrators keep the list (inspectors read it).
    A rule's code never changes once saved; a rule that errors cite, or that is an error kind's usual rule,
    cannot be deleted: make it inactive instead (the usual rules stay active)."""

    form = CountingRuleAdminForm
    list_display = ["code", "title", "source", "is_active", "display_order", "citations"]
    list_filter = ["is_active", "source"]
    search_fields = ["code", "title", "description"]
    fields = ["code", "title", "source", "description", "is_active", "display_order"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("errors"))

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    @admin.display(description="Errors citing it", ordering="citation_count")
    def citations(self, rule):
        return rule.citation_count

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [refusal for rule in objs if (refusal := rule_deletion_refusal(rule))]
        # One sentence per rule rather than Django's list of every error that cites it.
        return deleted, model_count, perms_needed, refusals or protected


def rule_deletion_refusal(rule):
    if use := built_in_rule_use(rule.code):
        return f"{rule.code} cannot be deleted: it is {use}."
    cited = rule.errors.count()
    if cited:
        return (f"{rule.code} cannot be deleted: {cited} recording error{'s' if cited != 1 else ''} cite it. "
                "Make it inactive instead: it will no longer be offered, and the errors keep citing it.")
    return None


# Inspections -------------------------------------------------------------------------------------


class PublishedResultInline(InlineEditableUntilPublished, NamedColumnsTabularInline):
    model = PublishedResult
    formset = PublishedResultInlineFormSet
    extra = 0
    fields = ["category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
              "additional_recorded_per_year", "described_as"]

    def inspection_of(self, inspection):
        return inspection


class CancellationReviewInline(InlineEditableUntilPublished, NamedColumnsTabularInline):
    """The inspection's cancellation review, a row per reviewed record: the quickest way to enter a sample of
    80 or more by hand (or import them from a spreadsheet on the inspection's cancellation review page)."""

    model = CancellationReview
    form = CancellationReviewForm
    extra = 5
    verbose_name = "reviewed cancellation"
    verbose_name_plural = "Cancellation review: a sample of its own, never part of a recording rate"

    def inspection_of(self, inspection):
        return inspection

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("reference")


def _status_action(status, description):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        run_for_each(
            modeladmin,
            request,
            queryset,
            lambda inspection: services.inspection_change_status(inspection=inspection, status=status, by=request.user),
            f"{{count}} inspection(s) moved to {status.label.lower()}.",
        )

    action.__name__ = f"move_to_{status.value}"
    return action


def _sentence_start(text):
    return text[:1].upper() + text[1:]


SCOPE_FIELDS = ["audited_areas", "carried_forward_areas"]
SCOPE_DISPLAY = {name: f"{name}_display" for name in SCOPE_FIELDS}


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    form = InspectionAdminForm
    list_display = ["__str__", "status", "published_on", "grade", "case_count"]
    list_filter = ["status", "kind", "grade", "force__region"]
    search_fields = ["force__name", "report_reference"]
    autocomplete_fields = ["force", "previous_inspection"]
    list_select_related = ["force"]
    readonly_fields = ["status", "cases_link", "grade_revisions_summary", "change_history"]
    inlines = [PublishedResultInline, CancellationReviewInline]
    actions = [
        _status_action(Inspection.Status.FIELDWORK, "Move to fieldwork"),
        _status_action(Inspection.Status.MODERATION, "Move to moderation"),
        _status_action(Inspection.Status.PUBLISHED, "Publish (locks the audit data and freezes its figures)"),
        _status_action(Inspection.Status.CLOSED, "Close a force's own audit (locks its audit data; never published)"),
        "reopen_inspections",
    ]
    fieldsets = [
        (None, {"fields": ["force", "kind", "previous_inspection", "status", "cases_link"]}),
        ("Dates", {"fields": ["audit_period_start", "audit_period_end", "fieldwork_start", "fieldwork_end",
                              "challenges_close_on", "published_on"]}),
        ("Title and grades", {"fields": ["year", "grading_scheme", "grade", "effectiveness_grade", "systems_grade",
                                         "leadership_grade", "grade_revisions_summary"]}),
        ("Outcome", {"fields": ["report_reference", "notes", "sample_is_synthetic"]}),
        ("Scope: what it audited and what it carried forward", {"fields": SCOPE_FIELDS}),
        ("History", {"fields": ["change_history"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        # The force names each inspection (its title), in the list and in every inspection autocomplete.
        return super().get_queryset(request).select_related("force").with_case_count()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or may_audit_in(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or may_audit_in(request, obj))

    def get_inlines(self, request, obj):
        # A force's own audit publishes no figures and reviews no cancellations here.
        if (obj is not None and obj.is_self_audit) or role_of(request.user) == Role.FORCE_AUDITOR:
            return []
        return super().get_inlines(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        if role_of(request.user) == Role.FORCE_AUDITOR and "kind" in form.base_fields:
            # A force auditor plans their own force's audits only: the one kind, their one force.
            form.base_fields["kind"].choices = [(Inspection.Kind.FORCE_SELF_AUDIT, "Force self-audit (own audit)")]
            form.base_fields["kind"].initial = Inspection.Kind.FORCE_SELF_AUDIT
        return form

    def get_readonly_fields(self, request, obj=None):
        frozen = list(Inspection.FROZEN_FIELDS) if obj is not None and obj.is_locked else []
        # The scope's stored lists are read only too (so the form leaves them out), shown in words.
        return [*self.readonly_fields, *frozen, *[SCOPE_DISPLAY[name] for name in frozen if name in SCOPE_DISPLAY]]

    #: A force's own audit: no grades, publication, challenges or scope (it is never published).
    self_audit_fieldsets = [
        (None, {"fields": ["force", "kind", "status", "cases_link"]}),
        ("Audit period (usually a month) and fieldwork", {"fields": ["audit_period_start", "audit_period_end",
                                                                     "fieldwork_start", "fieldwork_end"]}),
        ("Notes", {"fields": ["notes", "sample_is_synthetic"]}),
        ("History", {"fields": ["change_history"], "classes": ["collapse"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if (obj is not None and obj.is_self_audit) or (obj is None and role_of(request.user) == Role.FORCE_AUDITOR):
            return self.self_audit_fieldsets
        if obj is None or not obj.is_locked:
            return self.fieldsets
        # Published: the scope is shown in words, read only, rather than as its stored list.
        return [(name, {**options, "fields": [SCOPE_DISPLAY.get(f, f) for f in options["fields"]]})
                for name, options in self.fieldsets]

    @admin.display(description="Audited in this inspection")
    def audited_areas_display(self, inspection):
        if not inspection.records_scope:
            return "Everything it reports (no scope recorded)"
        return _sentence_start(area_list(inspection.audited_areas)) or "—"

    @admin.display(description="Carried forward from the previous inspection")
    def carried_forward_areas_display(self, inspection):
        return _sentence_start(area_list(inspection.carried_forward_areas)) or "Nothing"

    def save_model(self, request, obj, form, change):
        services.inspection_save(inspection=obj, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is CancellationReview:
            formset.save(commit=False)
            for review in formset.deleted_objects:
                cancellation_review_delete(review=review, by=request.user)
            for review in formset.new_objects + [changed for changed, _ in formset.changed_objects]:
                review.inspection = form.instance
                cancellation_review_save(review=review, by=request.user)
            return None
        if formset.model is not PublishedResult:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for result in formset.deleted_objects:
            services.published_result_delete(result=result, by=request.user)
        for result in formset.new_objects + [changed for changed, _ in formset.changed_objects]:
            result.inspection = form.instance
            services.published_result_save(result=result, by=request.user)

    @admin.action(description="Reopen a published inspection or closed self-audit (with a reason)…",
                  permissions=["change"])
    def reopen_inspections(self, request, queryset):
        form = ReopenReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            run_for_each(self, request, queryset,
                         lambda inspection: services.inspection_change_status(
                             inspection=inspection, status=Inspection.Status.MODERATION, by=request.user,
                             reason=reason),
                         "{count} inspection(s) reopened.")
            return None
        return TemplateResponse(
            request, "admin/audits/reopen_inspections.html",
            {**self.admin_site.each_context(request), "title": "Reopen inspections", "form": form,
             "inspections": queryset, "opts": self.model._meta,
             "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME},
        )

    def get_urls(self):
        return [path("<path:object_id>/revise-grades/", self.admin_site.admin_view(self.revise_grades_view),
                     name="audits_inspection_revise_grades"), *super().get_urls()]

    def revise_grades_view(self, request, object_id):
        """Revise a published inspection's grades (audits.services.inspection_revise_grades): the grades it
        replaces stay, with the date and reason, and the published record gets a new version."""
        inspection = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, inspection):
            raise PermissionDenied
        change_url = reverse("admin:audits_inspection_change", args=[inspection.pk])
        if not inspection.is_locked:
            self.message_user(request, REVISION_NEEDS_PUBLISHED, messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = GradeRevisionForm(request.POST or None, inspection=inspection)
        if request.method == "POST" and form.is_valid():
            try:
                services.inspection_revise_grades(
                    inspection=inspection, grades=form.changed_grades(), revised_on=form.cleaned_data["revised_on"],
                    reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                for field, problems in (error.message_dict if hasattr(error, "error_dict")
                                        else {None: error.messages}).items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                self.message_user(request, "Grades revised: the report shows each revised grade with the grade it "
                                           "replaced, and the grades as first published stay in the earlier version.",
                                  messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        return TemplateResponse(request, "admin/audits/revise_grades.html", {
            **self.admin_site.each_context(request), "title": f"Revise the grades of {inspection}",
            "inspection": inspection, "form": form, "opts": self.model._meta, "change_url": change_url,
            "scheme": inspection.get_grading_scheme_display(),
        })

    @admin.display(description="Grades revised after publication")
    def grade_revisions_summary(self, inspection):
        if not inspection.pk:
            return "—"
        lines = [GradeLine(Question(revision.question), revision.grade, revision.previous_grade, revision.revised_on,
                           revision.reason) for revision in inspection.grade_revisions.all()]
        revisions = format_html_join("", "<li><strong>{}</strong>: {}</li>",
                                     ((line.short_label, line.text) for line in lines))
        listed = format_html("<ul>{}</ul>", revisions) if revisions else "None."
        if not inspection.is_locked:
            return format_html("{} (while the inspection is not published, change its grades above)", listed)
        return format_html('{} <a href="{}">Revise a published grade</a>', listed,
                           reverse("admin:audits_inspection_revise_grades", args=[inspection.pk]))

    @admin.display(description="Cases", ordering="case_count")
    def case_count(self, inspection):
        return inspection.case_count

    @admin.display(description="Audited cases")
    def cases_link(self, inspection):
        if not inspection.pk:
            return "Save the inspection, then add its cases."
        changelist = reverse("admin:audits_auditedcase_changelist") + f"?inspection__id__exact={inspection.pk}"
        add = reverse("admin:audits_auditedcase_add") + f"?inspection={inspection.pk}"
        if inspection.is_locked:
            return format_html('<a href="{}">View the {} cases</a> ({}: reopen to change them)',
                               changelist, inspection.case_count, inspection.get_status_display().lower())
        if inspection.is_self_audit:  # never published: closed from the list's action once every case is agreed
            return format_html('<a href="{}">View the {} cases</a> · <a href="{}">Add a case</a> · '
                               '<a href="{}">Sample: the frame and the draw</a> · <a href="{}">Import cases</a>',
                               changelist, inspection.case_count, add, reverse("audits:sample", args=[inspection.pk]),
                               reverse("audits:case_import", args=[inspection.pk]))
        return format_html('<a href="{}">View the {} cases</a> · <a href="{}">Add a case</a> · '
                           '<a href="{}">Publish: what must hold first</a>',
                           changelist, inspection.case_count, add, reverse("reports:publish", args=[inspection.pk]))

    @admin.display(description="Change history")
    def change_history(self, inspection):
        return history_table(selectors.inspection_change_history(inspection)) if inspection.pk else "—"


# Audited cases -----------------------------------------------------------------------------------


class InspectionFilter(admin.SimpleListFilter):
    """The inspections in the user's scope, from the inspections table in one query (Django's related-only
    filter read every case to find the inspections that have one, then each inspection's force, a query
    per inspection). With a force chosen, only that force's inspections. Keeps the parameter Django's
    related filter used, so links such as an inspection's "View the cases" still work."""

    title = "inspection"
    parameter_name = "inspection__id__exact"

    def lookups(self, request, model_admin):
        inspections = Inspection.objects.for_user(request.user).select_related("force").order_by(
            "force__name", "-year", "-pk")
        if (force := request.GET.get(ForceFilter.parameter_name)) and "\x00" not in force:
            inspections = inspections.filter(force__slug=force)
        return [(str(inspection.pk), inspection.title) for inspection in inspections]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not self.value().isdigit() or int(self.value()) > MAX_ID:
            raise IncorrectLookupParameters(f"Not an inspection: {self.value()!r}")
        return queryset.filter(inspection_id=int(self.value()))


class ReportedYearFilter(admin.SimpleListFilter):
    """The year a case was reported in (Europe/London), the years offered coming from the inspections' audit
    periods: Django's date hierarchy listed the years by reading every case."""

    title = "year reported"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        span = Inspection.objects.for_user(request.user).aggregate(
            first=Min("audit_period_start"), last=Max("audit_period_end"))
        if span["first"] is None or span["last"] is None:
            return []
        return [(str(year), str(year)) for year in range(span["last"].year, span["first"].year - 1, -1)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.value() not in dict(self.lookup_choices):
            raise IncorrectLookupParameters(f"Not a year of any inspection's audit period: {self.value()!r}")
        year = int(self.value())
        start = timezone.make_aware(datetime(year, 1, 1))
        return queryset.filter(reported_at__gte=start, reported_at__lt=timezone.make_aware(datetime(year + 1, 1, 1)))


class ForceFilter(admin.SimpleListFilter):
    title = "force"
    parameter_name = "force"

    def lookups(self, request, model_admin):
        return [(force.slug, force.name) for force in Force.objects.for_user(request.user)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.value() not in dict(self.lookup_choices):
            raise IncorrectLookupParameters(f"Not a force: {self.value()!r}")
        return queryset.filter(inspection__force__slug=self.value())


class FromEitherEndPaginator(Paginator):
    """A later page in one query that skips ids, not rows: the page's ids are chosen by an inner query that
    reads only the ordering's index (Django's OFFSET made the database join and count the crimes of every
    row it skipped), and a page in the back half of the list is counted from the end, in the reversed order,
    so no page skips more than half the list. The same rows in the same order as Django's paginator.

    On PostgreSQL a list longer than ``estimate_above`` rows is not counted: ``COUNT(*)`` reads every row the
    filters keep (2.6 million cases unfiltered at 10×). The count is then the planner's estimate (``EXPLAIN``
    of the list's query, rounded to three figures) and ``estimated`` is true, so the pages say "about". Two
    queries on PostgreSQL whatever the list's length: a count that stops after ``estimate_above + 1`` rows
    (exact below it) and the estimate. On SQLite, and below the threshold, the count is exact.

    With an estimated count, the first half of the page numbers counts pages from the start and the second
    half from the end: the last page is the list's last ``per_page`` rows, the one before it the
    ``per_page`` before those, whatever the estimate's error. Only the middle pages depend on it (an
    estimate that is too high repeats some rows there, one too low skips some); a middle page that would be
    empty (the estimate more than twice the real length) shows the last page's rows, or the first's, instead."""

    estimate_above = 10_000
    estimated = False  #: the count is the planner's estimate
    estimate_is_floor = False  #: ... which was below the threshold: there are more than ``count`` rows

    @cached_property
    def count(self):
        rows = self.object_list
        if not isinstance(rows, QuerySet) or connections[rows.db].vendor != "postgresql":
            return super().count
        ids = rows.order_by().values("pk")
        counted = ids[:self.estimate_above + 1].count()
        estimate = planner_estimate(ids)
        if counted <= self.estimate_above:
            return counted
        self.estimated = True
        if estimate <= self.estimate_above:
            self.estimate_is_floor = True
            return self.estimate_above
        return round(estimate, 3 - len(str(estimate)))  # three significant figures

    def page(self, number):
        number = self.validate_number(number)
        rows = self.object_list
        if number == 1 or not isinstance(rows, QuerySet) or not rows.ordered:
            return super().page(number)
        if self.estimated:
            return self._get_page(self._estimated_page_rows(rows, number), number, self)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom > self.count // 2:
            ids = rows.reverse().values("pk")[self.count - top:self.count - bottom]
        else:
            ids = rows.values("pk")[bottom:top]
        return self._get_page(rows.filter(pk__in=ids), number, self)

    def _estimated_page_rows(self, rows, number):
        before, after = number - 1, self.num_pages - number  # pages before and after this one
        if before <= after:
            found = list(rows.filter(pk__in=rows.values("pk")[before * self.per_page:number * self.per_page]))
            fallback = rows.reverse()  # past the real end: the last page
        else:
            found = list(rows.filter(pk__in=rows.reverse().values("pk")[
                after * self.per_page:(after + 1) * self.per_page]))
            fallback = rows  # before the real start: the first page
        if not found:  # only when the estimate is more than twice the real length (one more query)
            found = list(rows.filter(pk__in=fallback.values("pk")[:self.per_page]))
        return found


class EstimatedCountAdmin:
    """A list that may be too long to count (FromEitherEndPaginator): its "select all" note says "about"
    too when the count is the planner's estimate."""

    paginator = FromEitherEndPaginator

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        context = getattr(response, "context_data", None)
        if context and "cl" in context and getattr(context["cl"], "paginator", None) is not None \
                and context["cl"].paginator.estimated:
            cl = context["cl"]
            context["selection_note_all"] = (f"All of {'more than' if cl.paginator.estimate_is_floor else 'about'} "
                                             f"{cl.result_count:,} selected")
        return response


def planner_estimate(rows):
    """PostgreSQL's estimate of the number of rows the queryset returns (EXPLAIN, nothing run)."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class CategoryFilter(admin.SimpleListFilter):
    title = "offence category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return CASE_FILTER_CATEGORIES

    def queryset(self, request, queryset):
        return queryset.in_category(self.value()) if self.value() in dict(self.lookups(request, None)) else queryset


class ErrorKindFilter(admin.SimpleListFilter):
    title = "recording error"
    parameter_name = "error"

    def lookups(self, request, model_admin):
        return ErrorKind.choices

    def queryset(self, request, queryset):
        return queryset.with_error(self.value()) if self.value() in ErrorKind.values else queryset


class VictimFlagFilter(admin.SimpleListFilter):
    """Cases with at least one crime whose victim carries the flag (flags belong to the crime, one per victim)."""

    title = "victim flag"
    parameter_name = "victim"

    def lookups(self, request, model_admin):
        return [(name, AuditedCrime._meta.get_field(name).verbose_name.capitalize()) for name in VICTIM_FLAGS]

    def queryset(self, request, queryset):
        if self.value() not in VICTIM_FLAGS:
            return queryset
        return queryset.filter(Exists(AuditedCrime.objects.filter(case=OuterRef("pk"), **{self.value(): True})))


class AuditedCrimeInline(InlineEditableUntilPublished, admin.StackedInline):
    """A crime's fields in four short rows, each labelled, in the order they are entered (the tab order): what
    should have been recorded, what the force recorded, the victim, the errors. Fits 1,280 px, where the
    table of one row per crime was 1,887 px wide."""

    model = AuditedCrime
    form = AuditedCrimeForm
    formset = AuditedCrimeFormSet
    autocomplete_fields = ["expected_offence", "recorded_offence"]
    extra = 1
    classes = ["crimes-inline"]
    fieldsets = [(None, {"fields": [
        ("expected_offence", "force_crime_reference"),
        ("recorded_offence", "recorded_at", "cancellation_code"),
        ("safeguarding", "domestic_abuse", "vulnerable_victim", "modern_slavery", "child_victim"),
        "error_kinds",
    ]})]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.autocomplete_fields:  # no link to view an offence: one tab stop fewer a look-up
            formfield.widget.can_view_related = formfield.widget.can_change_related = False
            formfield.widget.can_add_related = formfield.widget.can_delete_related = False
        return formfield

    def get_extra(self, request, obj=None, **kwargs):
        # Copying the previous case starts with as many crimes as it had, each filled in as it was.
        copied = getattr(request, "copied_case", None)
        return max(1, len(copied.crimes.all())) if copied is not None and obj is None else self.extra

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("expected_offence", "recorded_offence").prefetch_related(
            "errors"
        )


def with_inspection(url, inspection_id, copy=False):
    """The add page's URL starting the next case in this inspection. Django's redirect after "Save and add
    another" already keeps the query string it was posted with (?inspection= from the inspection's link):
    set the parameter in it rather than append a second query string. A case entered as a copy of the
    previous one is followed by another copy (the add form offers a blank case instead)."""
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    query["inspection"] = str(inspection_id)
    if copy:
        query["copy"] = "previous"
    else:
        query.pop("copy", None)
    return urlunsplit(parts._replace(query=query.urlencode()))


#: What "Copy the previous case" carries over: everything an inspector would otherwise type again, of the case
#: and of each of its crimes. Never what must be unique (the case's reference, the force's crime references) nor
#: the findings of the audit (recording errors: each is a judgement on this case's record, ticked afresh).
COPIED_CASE_FIELDS = ["source", "reported_at", "outcome", "outcome_reason", "anonymous_report", "third_party_report",
                      "equality_information"]
COPIED_CRIME_FIELDS = ["expected_offence_id", "recorded_offence_id", "recorded_at", "cancellation_code", "safeguarding",
                       *VICTIM_FLAGS]


@admin.register(AuditedCase)
class AuditedCaseAdmin(EstimatedCountAdmin, ScopedAdmin):
    form = AuditedCaseForm
    inlines = [AuditedCrimeInline]
    # The changelist at national scale (issue 13): a fixed number of queries, filters whose choices come from
    # small tables, sorting only by indexed columns, no full count beside a filtered one, and a search that
    # reads the references' trigram indexes (get_search_results).
    list_display = ["reference", "inspection", "source", "reported_at", "crime_count", "moderation_state", "auditor"]
    list_filter = [ForceFilter, InspectionFilter, "source", CategoryFilter, ErrorKindFilter, "moderation_state",
                   ReportedYearFilter, VictimFlagFilter, "outcome", "anonymous_report", "third_party_report"]
    list_select_related = ["inspection__force", "auditor"]
    search_fields = ["reference", "crimes__force_crime_reference"]
    sortable_by = ["reference", "reported_at"]  # indexed; the default order is by inspection, then reference
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # "Show counts" counted the cases for each of the filters' choices
    autocomplete_fields = ["inspection"]
    list_per_page = 100
    readonly_fields = ["auditor", "moderation_state", "submitted_by", "submitted_at", "moderated_by",
                       "moderated_at", "query_reason", "change_history"]
    fieldsets = [
        (None, {"fields": ["inspection", "reference", "source", "reported_at", "outcome", "outcome_reason"]}),
        ("How it was reported, and equality information", {"fields": [
            "anonymous_report", "third_party_report", "equality_information"]}),
        (None, {"fields": ["notes"]}),
        ("Moderation", {"fields": ["auditor", "moderation_state", "submitted_by", "submitted_at", "moderated_by",
                                   "moderated_at", "query_reason"], "classes": ["collapse"]}),
        ("History of this case, its crimes and their errors", {"fields": ["change_history"],
                                                                "classes": ["collapse"]}),
    ]
    actions = ["submit_cases", "agree_cases", "query_cases"]

    class Media:
        js = ["case_entry.js"]

    def get_fieldsets(self, request, obj=None):
        # A new case has no moderation, history or version yet: keep the entry screen short.
        if obj is None:
            return self.fieldsets[:3]
        return [*self.fieldsets[:2], (None, {"fields": ["notes", "version"]}), *self.fieldsets[3:]]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.conflict = getattr(request, "case_conflict", None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.CaseConflict as conflict:
            # Someone saved the case between this form's version check and its save, and the whole
            # submission was rolled back: show the form again with the conflict, as a stale form is shown.
            request.case_conflict = conflict
            return super().changeform_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:  # "Save and next case"
            response["Location"] = with_inspection(response["Location"], obj.inspection_id,
                                                   copy=request.GET.get("copy") == "previous")
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        if "_addanother" in request.POST:
            response["Location"] = with_inspection(response["Location"], obj.inspection_id)
        return response

    def add_view(self, request, form_url="", extra_context=None):
        """With ?inspection=…&copy=previous, the new case starts as a copy of the user's last case in that
        inspection (selectors.case_to_copy): its source, report time, outcome, how it was reported and its
        crimes (COPIED_CRIME_FIELDS: offences, recorded time, cancellation, victim flags); never its reference,
        crime references or errors."""
        request.copied_case = None
        inspection = request.GET.get("inspection", "")
        if request.method == "GET" and request.GET.get("copy") == "previous" and inspection.isdigit() \
                and int(inspection) <= MAX_ID:
            request.copied_case = selectors.case_to_copy(request.user, int(inspection))
        return super().add_view(request, form_url, {**(extra_context or {}),
                                                    **self._copy_context(request, inspection)})

    def _copy_context(self, request, inspection):
        if not inspection.isdigit() or int(inspection) > MAX_ID:
            return {}
        add = reverse("admin:audits_auditedcase_add")
        return {"copied_case": request.copied_case,
                "copy_url": f"{add}?inspection={inspection}&copy=previous",
                "blank_url": f"{add}?inspection={inspection}",
                "can_copy": request.copied_case is not None
                or selectors.case_to_copy(request.user, int(inspection)) is not None}

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.pop("copy", None)
        inspection = initial.get("inspection")
        if inspection is not None and (not str(inspection).isdigit() or int(inspection) > MAX_ID):
            del initial["inspection"]  # ?inspection=abc: a blank choice, not a 500
        if (case := getattr(request, "copied_case", None)) is not None:
            initial.update({field: getattr(case, field) for field in COPIED_CASE_FIELDS})
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        case = getattr(request, "copied_case", None)
        if request.method == "GET" and case is not None and isinstance(inline, AuditedCrimeInline):
            kwargs["initial"] = [{field.removesuffix("_id"): getattr(crime, field) for field in COPIED_CRIME_FIELDS}
                                 for crime in case.crimes.all()]
        return kwargs

    def get_queryset(self, request):
        return super().get_queryset(request).with_crime_count()

    def get_search_results(self, request, queryset, search_term):
        """Each word must be part of the case's reference or of a crime's force reference. Written as the ids
        of the cases that match, a union of two index scans, rather than Django's join of every case with its
        crimes (which could read no index and had to remove duplicates)."""
        for word in smart_split(search_term.replace("\x00", "")):  # no reference holds a NUL; PostgreSQL refuses one
            word = unescape_string_literal(word) if word[0] in {'"', "'"} and len(word) > 1 and word[0] == word[-1] else word
            matching = AuditedCase.objects.filter(reference__icontains=word).order_by().values("pk").union(
                AuditedCrime.objects.filter(force_crime_reference__icontains=word).order_by().values("case_id"),
                all=True)
            queryset = queryset.filter(pk__in=matching)
        return queryset, False

    @admin.display(description="Crimes")
    def crime_count(self, case):
        return case.crime_count

    @admin.display(description="Change history")
    def change_history(self, case):
        return history_table(selectors.case_change_history(case)) if case.pk else "—"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (
            obj and (obj.inspection.is_locked or not may_audit_in(request, obj.inspection)))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (
            obj and (obj.inspection.is_locked or not may_audit_in(request, obj.inspection)))

    def save_model(self, request, obj, form, change):
        services.case_save(case=obj, by=request.user, expected_version=form.cleaned_data["version"] if change else None)

    def delete_model(self, request, obj):
        services.case_delete(case=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for case in queryset.select_related("inspection"):
            services.case_delete(case=case, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AuditedCrime:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for crime in formset.deleted_objects:
            services.crime_delete(crime=crime, by=request.user)
        for crime_form in formset.forms:
            if crime_form in formset.deleted_forms or not crime_form.instance.expected_offence_id:
                continue
            entered = crime_form.cleaned_data.get("error_kinds") or ErrorsEntered()
            services.crime_save(
                crime=crime_form.instance,
                kinds=entered.kinds,
                rules=entered.rules,
                by=request.user,
                save_crime=crime_form.has_changed() or crime_form.instance.pk is None,
            )

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            services.case_return_to_draft_if_moderated(form.instance)

    @admin.action(description="Submit selected cases for moderation", permissions=["change"])
    def submit_cases(self, request, queryset):
        """All the selected cases in one transaction (a refused case is reported, the others submitted); more
        than ``SUBMIT_IN_WORKER`` go to a background job whose page shows how far it has got, then back here."""
        done_message = "{count} case(s) submitted for moderation."
        if queryset.count() > SUBMIT_IN_WORKER:
            ids = list(queryset.order_by("pk").values_list("pk", flat=True))
            job = jobs.create(kind="case_submit", title=f"Submission of {len(ids):,} cases for moderation",
                              owner=request.user, back_url=request.get_full_path(), total=len(ids))
            jobs.enqueue(job, submit_cases_job, request.user.pk, ids, request.get_full_path())
            return HttpResponseRedirect(reverse("audits:job", args=[job.pk]))
        outcome = services.cases_submit(cases=list(queryset.select_related("inspection")), by=request.user)
        for level, text in outcome.messages(done_message):
            self.message_user(request, text, getattr(messages, level.upper()))
        return None

    @admin.action(description="Agree selected cases (moderation)", permissions=["change"])
    def agree_cases(self, request, queryset):
        run_for_each(self, request, queryset, lambda case: services.case_agree(case=case, by=request.user),
                     "{count} case(s) agreed.")

    @admin.action(description="Query selected cases (moderation)…", permissions=["change"])
    def query_cases(self, request, queryset):
        form = QueryReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            run_for_each(self, request, queryset,
                         lambda case: services.case_query(case=case, by=request.user, reason=reason),
                         "{count} case(s) queried.")
            return None
        return TemplateResponse(
            request,
            "admin/audits/query_cases.html",
            {**self.admin_site.each_context(request), "title": "Query cases", "form": form, "cases": queryset,
             "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME},
        )


@admin.register(PublishedResult)
class PublishedResultAdmin(EditableUntilPublished, ScopedAdmin):
    form = PublishedResultAdminForm
    list_display = ["inspection", "category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
                    "additional_recorded_per_year"]
    list_filter = ["category", "inspection__force__region"]
    search_fields = ["inspection__force__name"]
    autocomplete_fields = ["inspection"]
    list_select_related = ["inspection__force"]


    def save_model(self, request, obj, form, change):
        services.published_result_save(result=obj, by=request.user)

    def delete_model(self, request, obj):
        services.published_result_delete(result=obj, by=request.user)

    def get_actions(self, request):
        # Bulk delete would bypass the published-results lock (one by one, each delete is checked).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(CancellationReview)
class CancellationReviewAdmin(EditableUntilPublished, EstimatedCountAdmin, ScopedAdmin):
    """Every reviewed cancellation, filtered by inspection (entered on the inspection's own screen)."""

    form = CancellationReviewAdminForm
    list_display = ["reference", "inspection", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told",
                    "verdict", "reason"]
    list_filter = [InspectionFilter, "category", "ground", "verdict", "victim_told"]
    list_select_related = ["inspection__force"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["reference", "reason"]
    autocomplete_fields = ["inspection"]
    list_per_page = 100
    fields = ["inspection", "reference", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told",
              "verdict", "reason", "notes"]

    def get_readonly_fields(self, request, obj=None):
        return ["inspection"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        cancellation_review_save(review=obj, by=request.user)

    def delete_model(self, request, obj):
        cancellation_review_delete(review=obj, by=request.user)

    def get_actions(self, request):
        # Bulk delete would bypass the publication lock (one by one, each delete is checked).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Who read or exported what (audits.services.access): administrators only (the only role with its view
    permission), read only, scoped like everything else, filtered and exported as CSV."""

    list_display = ["at", "username", "kind", "inspection", "path", "ip_address"]
    list_filter = ["kind", "at", ("user", admin.RelatedOnlyFieldListFilter),
                   ("inspection", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["inspection__force"]
    search_fields = ["username", "path", "ip_address"]
    date_hierarchy = "at"
    show_full_result_count = False
    change_list_template = "admin/audits/access_record_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("export.csv", self.admin_site.admin_view(self.export_view), name="audits_accessrecord_export"),
                *super().get_urls()]

    def export_view(self, request):
        """The list as filtered, as CSV (core/downloads.py escapes every cell)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = self.get_changelist_instance(request).get_queryset(request).select_related("inspection__force")
        return csv_response("access-record.csv", ["at", "user", "kind", "inspection", "force", "address read",
                                                  "IP address"],
                            ([format_moment(r.at, seconds=True), r.username, r.get_kind_display(), r.inspection_id or "",
                              r.inspection.force.name if r.inspection else "", r.path, r.ip_address or ""]
                             for r in rows.iterator(chunk_size=2000)))
