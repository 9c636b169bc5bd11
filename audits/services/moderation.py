"""Moderation: the auditor submits a case, a second inspector (never its author) agrees or queries it; in a force's
own audit, a second force auditor of that force (or an inspector)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits.models import AuditedCase
from audits.rules import NO_CRIME_OUTCOMES
from audits.services.guards import ensure_can_write, ensure_unlocked
from audits.signals import case_queried
from forces.roles import AUDIT_WRITERS, role_of
from forces.transitions import Transition, TransitionTable

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Moderation = AuditedCase.Moderation


@dataclass(frozen=True)
class ModerationMove(Transition):
    not_by_author: bool = False  # a second pair of eyes: neither the auditor nor the submitter


# The moves people make. A later edit puts a submitted or agreed case back to draft by itself
# (``case_return_to_draft_if_moderated``): that is part of the edit, not a move anyone chooses.
# Force auditors make the same moves, in their own force's self-audits only (ensure_unlocked checks which).
MODERATION_TRANSITIONS = TransitionTable({
    (Moderation.DRAFT, Moderation.SUBMITTED): ModerationMove(AUDIT_WRITERS),
    (Moderation.QUERIED, Moderation.SUBMITTED): ModerationMove(AUDIT_WRITERS),
    (Moderation.SUBMITTED, Moderation.AGREED): ModerationMove(AUDIT_WRITERS, not_by_author=True),
    (Moderation.SUBMITTED, Moderation.QUERIED): ModerationMove(AUDIT_WRITERS, needs_reason=True, not_by_author=True),
})


def _moderation_target(case: AuditedCase, by: User, to: AuditedCase.Moderation, reason: str = "") -> AuditedCase:
    """The case, its inspection and then its own row locked, checked against the table for moving to
    ``to``, as a new version to be saved by ``by``."""
    ensure_can_write(by)
    ensure_unlocked(case.inspection, by)
    case = AuditedCase.objects.select_for_update().select_related("inspection").get(pk=case.pk)
    move = MODERATION_TRANSITIONS.check(
        case.moderation_state, to, role_of(by), reason=reason,
        refusal=f"Case {case.reference} is {case.get_moderation_state_display().lower()}.",
        reason_missing="Say why the case is queried.")
    if move.not_by_author and by.pk in {case.auditor_id, case.submitted_by_id}:
        raise ValidationError(
            f"Case {case.reference}: a case is moderated by another inspector, never by its own author."
        )
    case.version += 1
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    return case


@transaction.atomic
def case_submit(*, case: AuditedCase, by: User) -> AuditedCase:
    case = _moderation_target(case, by, Moderation.SUBMITTED)
    has_crimes = case.crimes.exists()
    if case.outcome in NO_CRIME_OUTCOMES:
        # Ends with no crime (no crime disclosed, N100 used correctly): submitted without crimes, never with any.
        if has_crimes:
            raise ValidationError(f"Case {case.reference} ends “{case.get_outcome_display()}” but has audited "
                                  "crimes: remove them, or change its outcome.")
    elif not has_crimes:
        raise ValidationError(f"Case {case.reference} has no audited crimes to submit. A record that disclosed no "
                              "crime is finished with the outcome “No crime disclosed” (an N100 record: “N100 used "
                              "correctly”) and a reason.")
    case.moderation_state = Moderation.SUBMITTED
    case.submitted_by, case.submitted_at = by, timezone.now()
    case.moderated_by = case.moderated_at = None
    case.save()
    return case


@transaction.atomic
def case_agree(*, case: AuditedCase, by: User) -> AuditedCase:
    case = _moderation_target(case, by, Moderation.AGREED)
    case.moderation_state = Moderation.AGREED
    case.moderated_by, case.moderated_at = by, timezone.now()
    case.query_reason = ""
    case.save()
    return case


@transaction.atomic
def case_query(*, case: AuditedCase, by: User, reason: str | None) -> AuditedCase:
    reason = (reason or "").strip()
    if len(reason) > 500:  # refused, never cut short
        raise ValidationError({"reason": f"Keep the reason to 500 characters (it has {len(reason):,})."})
    case = _moderation_target(case, by, Moderation.QUERIED, reason)
    case.moderation_state = Moderation.QUERIED
    case.moderated_by, case.moderated_at = by, timezone.now()
    case.query_reason = reason
    case.save()
    case_queried.send(sender=AuditedCase, case=case, by=by)
    return case


CASE_REFUSAL = re.compile(r"^Case (?P<reference>\S+?)(?P<reason>: .*| is .*)$")


def refusal_summary(refused: list[str]) -> str:
    """One message for many refusals: each reason once, with the cases it stopped."""
    by_reason: dict[str, list[str | None]] = defaultdict(list)
    for message in refused:
        if match := CASE_REFUSAL.match(message):
            by_reason[match["reason"].removeprefix(": ").removeprefix(" is ")].append(match["reference"])
        else:
            by_reason[message].append(None)
    parts = []
    for reason, references in by_reason.items():
        named = [reference for reference in references if reference]
        parts.append(f"{'Case' if len(named) == 1 else 'Cases'} {', '.join(named)}: {reason}" if named else reason)
    return f"{len(refused)} not done. " + " ".join(parts)


# More cases than this are submitted by a background job (audits.tasks.submit_cases_job) with a progress page:
# a case takes about 40 ms to submit (300 took 12.8 s in the request, issue 12), so 50 take about two seconds,
# the longest a person should wait on a page that shows nothing.
SUBMIT_IN_WORKER = 50


@dataclass
class BulkOutcome:
    done: int = 0
    refused: list[str] = field(default_factory=list)

    def messages(self, done_message: str) -> list[tuple[str, str]]:
        """What the person is told: the cases done, then every refusal in one message."""
        said = [("success", done_message.format(count=self.done))] if self.done else []
        return said + ([("error", refusal_summary(self.refused))] if self.refused else [])


@transaction.atomic
def cases_submit(*, cases: Sequence[AuditedCase], by: User,
                 progress: Callable[..., None] | None = None) -> BulkOutcome:
    """Submit each case for moderation, all in one transaction: a case the rules refuse is left as it was and
    its reason kept (its own savepoint rolls back), the others are submitted; if anything else fails (a worker
    killed part way) none is. ``progress(done, total)`` is told as it goes."""
    outcome = BulkOutcome()
    for number, case in enumerate(cases, start=1):
        try:
            case_submit(case=case, by=by)
            outcome.done += 1
        except ValidationError as error:
            outcome.refused.append(" ".join(error.messages))
        if progress is not None:
            progress(number, len(cases))
    return outcome


def case_return_to_draft_if_moderated(case: AuditedCase) -> None:
    """An edit to a submitted or agreed case needs moderating again. Part of the edit's save, after
    ``case_save`` has made the new version: no second version."""
    if case.moderation_state in (Moderation.SUBMITTED, Moderation.AGREED):
        case.moderation_state = Moderation.DRAFT
        case.submitted_by = case.submitted_at = case.moderated_by = case.moderated_at = None
        case.save()
