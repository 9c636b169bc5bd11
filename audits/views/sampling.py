import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from audits import sample_design, selectors
from audits.forms import DrawForm, FrameUploadForm, SampleSizeForm
from audits.models import SampleDraw, SamplingFrame
from audits.services import sampling
from audits.tasks import frame_upload_job
from core import jobs, stored_files

# A frame file larger than this (about 25,000 rows of CSV) is checked and stored by a background job.
FRAME_IN_WORKER_BYTES = 1024 * 1024


def sample_page(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    frame = SamplingFrame.objects.filter(inspection=inspection).select_related("uploaded_by").first()
    draw = SampleDraw.objects.filter(frame=frame).select_related("drawn_by").first() if frame else None
    populations = selectors.frame_populations(frame) if frame else {}
    can_edit = selectors.may_audit_inspection(request.user, inspection) and not inspection.is_locked
    size_form = SampleSizeForm(request.GET or None)
    needed = allocation = None
    if size_form.is_valid():
        margin, rate = float(size_form.cleaned_data["margin"]) / 100, float(size_form.cleaned_data["expected_rate"]) / 100
        needed = sample_design.sample_size(margin, rate, frame.record_count if frame else None)
        allocation = sample_design.allocate(needed, populations) if populations else None
    upload_form, draw_form = FrameUploadForm(), DrawForm(initial={"seed": secrets.randbelow(10**9),
                                                                   "total": needed})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            if "upload" in request.POST:
                upload_form = FrameUploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    upload = upload_form.cleaned_data["file"]
                    if upload.size > FRAME_IN_WORKER_BYTES:
                        job = jobs.create(kind="frame_upload", title=f"Sampling frame for {inspection}",
                                          owner=request.user, back_url=request.path)
                        kept = stored_files.save_pending(upload, upload.name)
                        jobs.enqueue(job, frame_upload_job, inspection.pk, request.user.pk, kept, upload.name,
                                     file=kept)
                        return redirect("audits:job", pk=job.pk)
                    frame = sampling.frame_upload(inspection=inspection, upload=upload, filename=upload.name,
                                                  by=request.user)
                    messages.success(request, f"Frame stored: {frame.record_count} records.")
                    return redirect("audits:sample", pk=inspection.pk)
            else:
                draw_form = DrawForm(request.POST)
                if draw_form.is_valid():
                    data = draw_form.cleaned_data
                    sizes = data["sizes"] or sample_design.allocate(data["total"], populations)
                    made = sampling.draw_sample(inspection=inspection, seed=data["seed"], sizes=sizes, by=request.user)
                    messages.success(request, f"{made.total} records drawn with seed {made.seed}: draft cases created.")
                    return redirect("audits:sample", pk=inspection.pk)
        except ValidationError as error:
            (upload_form if "upload" in request.POST else draw_form).add_error(None, error)
    return render(request, "audits/sample.html", {
        "inspection": inspection, "frame": frame, "draw": draw, "populations": populations, "can_edit": can_edit,
        "size_form": size_form, "needed": needed, "allocation": allocation, "upload_form": upload_form,
        "draw_form": draw_form,
    })
