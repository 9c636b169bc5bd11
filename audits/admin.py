"""Admin screens for entering audits: an inspection with its cases, a case with its crimes and their
errors on one screen, moderation and publication as bulk actions. Every write goes through
audits.services; every queryset through for_user (ScopedAdmin)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from audits import selectors, services
from audits.forms import (
    AuditedCaseForm,
    AuditedCrimeForm,
    AuditedCrimeFormSet,
    CancellationReviewAdminForm,
    CancellationReviewForm,
    InspectionAdminForm,
    PublishedResultAdminForm,
    QueryReasonForm,
    ReopenReasonForm,
)
from audits.models import (
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    Inspection,
    OffenceGroup,
    OffenceSubgroup,
    PublishedResult,
)
from audits.rules import ErrorKind
from audits.services.cancellation_reviews import cancellation_review_delete, cancellation_review_save
from core.categories import CASE_FILTER_CATEGORIES
from core.spreadsheets import format_moment
from forces.admin_site import ScopedAdmin
from forces.models import Force


def run_for_each(modeladmin, request, objects, action, done_message):
    """Apply a service to each selected object; report what worked and each refusal with its reason."""
    done = 0
    for obj in objects:
        try:
            action(obj)
            done += 1
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)


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

    def _editable(self, obj):
        return obj is None or not self.inspection_of(obj).is_locked

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class InlineEditableUntilPublished(EditableUntilPublished):
    """The same for an inline, which also cannot add rows to a published inspection's object."""

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._editable(obj)


# Reference data ----------------------------------------------------------------------------------


@admin.register(OffenceGroup)
class OffenceGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(OffenceSubgroup)
class OffenceSubgroupAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "category"]
    list_filter = ["category", "group"]
    search_fields = ["name", "group__name"]
    list_select_related = ["group"]


# Inspections -------------------------------------------------------------------------------------


class PublishedResultInline(InlineEditableUntilPublished, admin.TabularInline):
    model = PublishedResult
    extra = 0
    fields = ["category", "rate", "interval", "recorded", "audited", "unrecorded_per_year",
              "additional_recorded_per_year"]

    def inspection_of(self, inspection):
        return inspection


class CancellationReviewInline(InlineEditableUntilPublished, admin.TabularInline):
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


@admin.register(Inspection)
class InspectionAdmin(ScopedAdmin):
    form = InspectionAdminForm
    list_display = ["__str__", "status", "published_on", "grade", "case_count"]
    list_filter = ["status", "kind", "grade", "force__region"]
    search_fields = ["force__name", "report_reference"]
    autocomplete_fields = ["force", "previous_inspection"]
    list_select_related = ["force"]
    readonly_fields = ["status", "cases_link", "change_history"]
    inlines = [PublishedResultInline, CancellationReviewInline]
    actions = [
        _status_action(Inspection.Status.FIELDWORK, "Move to fieldwork"),
        _status_action(Inspection.Status.MODERATION, "Move to moderation"),
        _status_action(Inspection.Status.PUBLISHED, "Publish (locks the audit data and freezes its figures)"),
        "reopen_inspections",
    ]
    fieldsets = [
        (None, {"fields": ["force", "kind", "previous_inspection", "status", "cases_link"]}),
        ("Dates", {"fields": ["audit_period_start", "audit_period_end", "fieldwork_start", "fieldwork_end",
                              "published_on"]}),
        ("Outcome", {"fields": ["grade", "report_reference", "notes", "sample_is_synthetic"]}),
        ("History", {"fields": ["change_history"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_case_count()

    def get_readonly_fields(self, request, obj=None):
        frozen = list(Inspection.FROZEN_FIELDS) if obj is not None and obj.is_locked else []
        return [*self.readonly_fields, *frozen]

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

    @admin.action(description="Reopen a published inspection (with a reason)…", permissions=["change"])
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
            return format_html('<a href="{}">View the {} cases</a> (published: reopen to change them)',
                               changelist, inspection.case_count)
        return format_html('<a href="{}">View the {} cases</a> · <a href="{}">Add a case</a>',
                           changelist, inspection.case_count, add)

    @admin.display(description="Change history")
    def change_history(self, inspection):
        return history_table(selectors.inspection_change_history(inspection)) if inspection.pk else "—"


# Audited cases -----------------------------------------------------------------------------------


class ForceFilter(admin.SimpleListFilter):
    title = "force"
    parameter_name = "force"

    def lookups(self, request, model_admin):
        return [(force.slug, force.name) for force in Force.objects.for_user(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(inspection__force__slug=self.value()) if self.value() else queryset


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


class AuditedCrimeInline(InlineEditableUntilPublished, admin.TabularInline):
    model = AuditedCrime
    form = AuditedCrimeForm
    formset = AuditedCrimeFormSet
    autocomplete_fields = ["expected_offence", "recorded_offence"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("expected_offence", "recorded_offence").prefetch_related(
            "errors"
        )



@admin.register(AuditedCase)
class AuditedCaseAdmin(ScopedAdmin):
    form = AuditedCaseForm
    inlines = [AuditedCrimeInline]
    list_display = ["reference", "inspection", "source", "reported_at", "crime_count", "moderation_state", "auditor"]
    list_filter = [ForceFilter, ("inspection", admin.RelatedOnlyFieldListFilter), "source", CategoryFilter,
                   ErrorKindFilter, "moderation_state", "domestic_abuse", "vulnerable_victim", "modern_slavery"]
    list_select_related = ["inspection__force", "auditor"]
    search_fields = ["reference", "crimes__force_crime_reference"]
    autocomplete_fields = ["inspection"]
    list_per_page = 100
    date_hierarchy = "reported_at"
    readonly_fields = ["auditor", "moderation_state", "submitted_by", "submitted_at", "moderated_by",
                       "moderated_at", "query_reason", "change_history"]
    fieldsets = [
        (None, {"fields": ["inspection", "reference", "source", "reported_at"]}),
        ("Flags", {"fields": ["domestic_abuse", "vulnerable_victim", "modern_slavery"]}),
        (None, {"fields": ["notes"]}),
        ("Moderation", {"fields": ["auditor", "moderation_state", "submitted_by", "submitted_at", "moderated_by",
                                   "moderated_at", "query_reason"], "classes": ["collapse"]}),
        ("History of this case, its crimes and their errors", {"fields": ["change_history"],
                                                                "classes": ["collapse"]}),
    ]
    actions = ["submit_cases", "agree_cases", "query_cases"]

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
        if "_addanother" in request.POST:
            response["Location"] = f"{response['Location']}?inspection={obj.inspection_id}"
        return response

    def get_queryset(self, request):
        return super().get_queryset(request).with_crime_count()

    @admin.display(description="Crimes", ordering="crime_count")
    def crime_count(self, case):
        return case.crime_count

    @admin.display(description="Change history")
    def change_history(self, case):
        return history_table(selectors.case_change_history(case)) if case.pk else "—"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.inspection.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.inspection.is_locked)

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
            services.crime_save(
                crime=crime_form.instance,
                kinds=crime_form.cleaned_data.get("error_kinds", []),
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
        run_for_each(self, request, queryset, lambda case: services.case_submit(case=case, by=request.user),
                     "{count} case(s) submitted for moderation.")

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
    list_display = ["inspection", "category", "rate", "interval", "recorded", "audited", "unrecorded_per_year"]
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
class CancellationReviewAdmin(EditableUntilPublished, ScopedAdmin):
    """Every reviewed cancellation, filtered by inspection (entered on the inspection's own screen)."""

    form = CancellationReviewAdminForm
    list_display = ["reference", "inspection", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told",
                    "verdict", "reason"]
    list_filter = [("inspection", admin.RelatedOnlyFieldListFilter), "category", "ground", "verdict", "victim_told"]
    list_select_related = ["inspection__force"]
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
