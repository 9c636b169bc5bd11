"""Sampling writes: the force's population frame and a seeded stratified draw that creates the cases to
audit (how many to draw is worked out in audits.sample_design)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from audits.models import AuditedCase, FrameRecord, SampleDraw, SamplingFrame
from audits.selectors import frame_populations
from audits.services.guards import ensure_can_write, ensure_unlocked
from core.spreadsheets import SpreadsheetError, parse_moment, read_table
from core.table_reader import text_problem

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

    from audits.models import Inspection

FRAME_COLUMNS = ["reference", "occurred_at", "stratum"]
MAX_PROBLEMS = 20
REFERENCE_LENGTH, STRATUM_LENGTH = 64, 60  # FrameRecord's columns: longer is refused, never cut
FRAME_BATCH = 5000

# The frame -----------------------------------------------------------------------------------------


@transaction.atomic
def frame_upload(*, inspection: Inspection, upload: UploadedFile | IO[bytes], filename: str, by: User,
                 progress: Callable[..., None] | None = None) -> SamplingFrame:
    """Store the force's extract as the inspection's frame (replacing an undrawn one). All or nothing.
    ``progress(done, total, stage=...)`` is told as the rows are checked and written (a background job's)."""
    progress = progress or (lambda *args, **kwargs: None)
    ensure_can_write(by)
    ensure_unlocked(inspection, by)
    existing = SamplingFrame.objects.filter(inspection=inspection).first()
    if existing and SampleDraw.objects.filter(frame=existing).exists():
        raise ValidationError("A sample has been drawn from this frame, so it is frozen.")
    records: list[FrameRecord] = []
    problems: list[str] = []
    seen: set[str] = set()
    try:
        rows = read_table(upload, filename, FRAME_COLUMNS)
    except SpreadsheetError as error:
        raise ValidationError(str(error)) from None
    progress(0, len(rows), stage="Checking every row")
    for number, row in enumerate(rows, start=2):
        progress(number - 1, len(rows))
        reference, occurred, stratum = (str(row[column]).strip() for column in FRAME_COLUMNS)
        for column, text, length in (("reference", reference, REFERENCE_LENGTH), ("stratum", stratum, STRATUM_LENGTH)):
            if message := text_problem(column, text, length):
                problems.append(f"Row {number}: {message}")
        if not reference:
            problems.append(f"Row {number}: reference is empty.")
        elif reference in seen:
            problems.append(f"Row {number}: reference {reference} appears twice.")
        seen.add(reference)
        try:
            moment = parse_moment(occurred)
            if moment is None:
                raise ValueError
        except ValueError:
            problems.append(f"Row {number}: occurred_at “{occurred}” is not a date and time (dd/mm/yyyy hh:mm).")
            moment = None
        if not stratum:
            problems.append(f"Row {number}: stratum (opening code or source) is empty.")
        if len(problems) >= MAX_PROBLEMS:
            problems.append("Stopped after 20 problems.")
            break
        records.append(FrameRecord(reference=reference, occurred_at=moment, stratum=stratum))
    if problems:
        raise ValidationError(problems)
    if existing:
        existing.delete()
    frame = SamplingFrame.objects.create(inspection=inspection, filename=_shown_name(filename), record_count=len(records),
                                         uploaded_by=by)
    for record in records:
        record.frame = frame
    progress(0, len(records), stage="Writing the frame")
    for start in range(0, len(records), FRAME_BATCH):
        FrameRecord.objects.bulk_create(records[start:start + FRAME_BATCH])
        progress(min(start + FRAME_BATCH, len(records)), len(records))
    return frame


def _shown_name(filename: str) -> str:
    """The upload's name as listed with the frame: a name longer than the column keeps its start and its
    extension around an ellipsis, visibly shortened rather than cut."""
    limit = 200  # SamplingFrame.filename
    if len(filename) <= limit:
        return filename
    return filename[: limit - 12] + "…" + filename[-11:]


# The draw ------------------------------------------------------------------------------------------


def chosen_records(frame: SamplingFrame, seed: int, sizes: Mapping[str, int]) -> list[tuple[str, str, datetime]]:
    """The records a draw picks: the same frame, seed and sizes always give the same records."""
    rng = random.Random(seed)
    chosen: list[tuple[str, str, datetime]] = []
    for stratum in sorted(sizes):
        references = list(frame.records.filter(stratum=stratum).order_by("reference")
                          .values_list("reference", "occurred_at"))
        chosen += [(stratum, reference, occurred) for reference, occurred in rng.sample(references, sizes[stratum])]
    return chosen


@transaction.atomic
def draw_sample(*, inspection: Inspection, seed: int | None, sizes: dict[str, int], by: User) -> SampleDraw:
    """Draw the sample and create a draft audited case for every record drawn."""
    ensure_can_write(by)
    ensure_unlocked(inspection, by)
    frame = SamplingFrame.objects.select_for_update().filter(inspection=inspection).first()
    if frame is None:
        raise ValidationError("Upload the force's extract (the frame) first.")
    if SampleDraw.objects.filter(frame=frame).exists():
        raise ValidationError("A sample has already been drawn from this frame.")
    if seed is None or seed < 0:
        raise ValidationError({"seed": "The seed must be a whole number, 0 or more."})
    populations = frame_populations(frame)
    problems = [f"Stratum “{stratum}” is not in the frame." for stratum in sizes if stratum not in populations]
    problems += [f"Stratum “{stratum}” has {populations[stratum]} records; you asked for {n}."
                 for stratum, n in sizes.items() if stratum in populations and not 0 <= n <= populations[stratum]]
    if not any(sizes.values()):
        problems.append("Draw at least one record.")
    if problems:
        raise ValidationError(problems)
    sizes = {stratum: n for stratum, n in sorted(sizes.items()) if n}
    chosen = chosen_records(frame, seed, sizes)
    clash = AuditedCase.objects.filter(inspection=inspection, reference__in=[ref for _, ref, _ in chosen])
    if clash.exists():
        raise ValidationError(f"{clash.count()} drawn reference(s) are already cases of this inspection.")
    sources = set(AuditedCase.Source.values)
    bulk_create_with_history(  # each case's first version, in its history with who drew it
        [AuditedCase(inspection=inspection, reference=reference, reported_at=occurred, stratum=stratum,
                     source=stratum if stratum in sources else AuditedCase.Source.INCIDENT_LOG, auditor=by)
         for stratum, reference, occurred in chosen],
        AuditedCase, batch_size=2000, default_user=by)
    return SampleDraw.objects.create(frame=frame, seed=seed, populations=populations, sizes=sizes, drawn_by=by)
