from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from audits.models import AccessRecord
from audits.selectors import inspections_for
from audits.services.access import record_access
from core.downloads import csv_response
from forces.roles import Role, audit_editors_only, can_edit_audits, role_of
from recommendations import selectors, services
from recommendations.evidence import served_content_type
from recommendations.filters import FindingFilter
from recommendations.forms import FindingForm, FollowUpForm, VerdictForm
from recommendations.models import Evidence, Finding


def _filtered(request):
    finding_filter = FindingFilter(request.GET or None, queryset=selectors.findings_for(request.user),
                                   request=request)
    valid = not finding_filter.is_bound or finding_filter.is_valid()
    findings = finding_filter.qs if valid else Finding.objects.none()
    return finding_filter, findings.order_by("due_on", "inspection__force__name", "reference")


def finding_list(request):
    finding_filter, findings = _filtered(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "recommendations/finding_list.html", {
        "filter": finding_filter, "query": query.urlencode(), "today": services.today(),
        "page": Paginator(findings, settings.PAGE_SIZE).get_page(request.GET.get("page")),
    })


def finding_list_csv(request):
    record_access(request, AccessRecord.Kind.EXPORT)
    _, findings = _filtered(request)
    rows = ([f.inspection.force.name, str(f.inspection), f.reference, f.get_kind_display(),
             f.parent.reference if f.parent else "", f.get_owner_display(), f.get_timescale_display(),
             f.due_on.strftime("%d/%m/%Y") if f.due_on else "", f.get_status_display(), f.text]
            for f in findings.iterator(chunk_size=500))
    return csv_response("findings.csv", ["Force", "Inspection", "Reference", "Kind", "Part of", "Owner", "Timescale",
                                         "Due", "Status", "Text"], rows)


def _update_form(request, finding, data=None, files=None, initial=None):
    statuses = services.allowed_statuses(finding, request.user)
    successors = None
    if finding.status in services.OPEN and "superseded" in statuses:
        successors = Finding.objects.for_user(request.user).filter(
            inspection__force_id=finding.inspection.force_id,
            inspection__published_on__gt=finding.inspection.published_on or "1900-01-01").exclude(pk=finding.pk)
    return FollowUpForm(data, files, initial=initial or {"version": finding.seen_version}, statuses=statuses,
                        can_write_internal=can_edit_audits(request.user), successors=successors)


def finding_detail(request, pk):
    finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
    can_update = role_of(request.user) in (Role.FORCE_STAFF, Role.INSPECTOR, Role.ADMINISTRATOR)
    form, conflict = (_update_form(request, finding) if can_update else None), None
    if request.method == "POST":
        if not can_update:
            raise Http404
        form = _update_form(request, finding, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.finding_update(
                    finding_id=finding.pk, by=request.user, expected_version=data["version"],
                    status=data["status"], comment=data["comment"], internal=data.get("internal", False),
                    files=data["files"], superseded_by=data.get("superseded_by"))
            except services.FindingConflict as error:
                conflict = error
                finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
                # Keep what they wrote; the form now carries the current version for a deliberate resubmit.
                form = _update_form(request, finding, initial={**request.POST.dict(), "version": finding.seen_version})
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, "Your update has been added to the timeline.")
                return redirect(finding)
    return render(request, "recommendations/finding_detail.html", {
        "finding": finding, "form": form, "conflict": conflict, "today": services.today(),
        "timeline": selectors.timeline(finding, request.user),
        "verdicts": selectors.verdicts_on(finding, request.user),
        "children": finding.children.all(),
    })


def evidence_download(request, finding_pk, pk):
    try:
        evidence = selectors.evidence_for(request.user, finding_pk, pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    record_access(request, AccessRecord.Kind.EVIDENCE, evidence.follow_up.finding.inspection_id)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                        content_type=served_content_type(evidence.original_name))


def overdue(request):
    return render(request, "recommendations/overdue.html", {
        "rows": selectors.ageing_by_force(request.user), "bands": [b[0] for b in selectors.AGEING_BANDS],
        "today": services.today(),
    })


@audit_editors_only
def finding_create(request, inspection_pk):
    inspection = get_object_or_404(inspections_for(request.user), pk=inspection_pk)
    form = FindingForm(request.POST or None, inspection=inspection)
    if request.method == "POST" and form.is_valid():
        finding = form.save(commit=False)
        try:
            services.finding_save(finding=finding, by=request.user, themes=form.cleaned_data["themes"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Finding {finding.reference} added.")
            return redirect(finding)
    return render(request, "recommendations/finding_form.html", {"form": form, "inspection": inspection})


@audit_editors_only
def verdict_create(request, inspection_pk):
    inspection = get_object_or_404(inspections_for(request.user), pk=inspection_pk)
    earlier = services.earlier_findings(inspection)
    form = VerdictForm(request.POST or None, findings=earlier)
    if request.method == "POST" and form.is_valid():
        try:
            services.verdict_record(inspection=inspection, finding=form.cleaned_data["finding"],
                                    outcome=form.cleaned_data["outcome"], comment=form.cleaned_data["comment"],
                                    by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Verdict recorded.")
            return redirect(inspection)
    return render(request, "recommendations/verdict_form.html", {"form": form, "inspection": inspection,
                                                                 "earlier": earlier.exists()})
