"""The events people are told about, as they happen: each handler works out who and says what, in the
transaction of the change itself (a change rolled back tells nobody)."""

from django.dispatch import receiver
from django.urls import reverse

from audits.models import AuditedCase, Challenge, Inspection
from audits.signals import (
    case_queried,
    challenge_decided,
    challenge_raised,
    grades_revised,
    inspection_published,
    self_audit_closed,
)
from notifications import recipients
from notifications.models import Notification
from notifications.services import notify
from reaudits.models import ReAudit
from reaudits.signals import reaudit_submitted
from recommendations.models import Finding
from recommendations.signals import finding_moved
from reports.models import ResultVersion

Event = Notification.Event


@receiver(challenge_raised, sender=Challenge)
def tell_inspectors_of_a_challenge(*, challenge: Challenge, **kwargs) -> None:
    case = challenge.case
    auditor = recipients.people(case.auditor) if case.auditor_id else []
    notify(event=Event.CHALLENGE_RAISED, key=f"challenge-{challenge.pk}",
           recipients=auditor or recipients.inspectors(),
           message=f"{case.inspection.force.name} challenged “{challenge.get_error_kind_display()}” on case "
                   f"{case.reference} ({challenge.offence}).",
           url=challenge.get_absolute_url())


@receiver(challenge_decided, sender=Challenge)
def tell_the_force_of_a_decision(*, challenge: Challenge, **kwargs) -> None:
    case = challenge.case
    notify(event=Event.CHALLENGE_DECIDED, key=f"challenge-{challenge.pk}",
           recipients=recipients.force_staff(case.inspection.force_id),
           message=f"Your challenge to “{challenge.get_error_kind_display()}” on case {case.reference} was decided: "
                   f"{challenge.get_status_display().lower()}. Reason: {challenge.resolution}",
           url=challenge.get_absolute_url())


@receiver(case_queried, sender=AuditedCase)
def tell_the_auditor_of_a_query(*, case: AuditedCase, by, **kwargs) -> None:
    authors = [person for person in recipients.people(case.auditor, case.submitted_by) if person.pk != by.pk]
    notify(event=Event.CASE_QUERIED, key=f"case-{case.pk}-v{case.version}", recipients=authors,
           message=f"Case {case.reference} ({case.inspection.force.name}) was queried: {case.query_reason}",
           url=reverse("admin:audits_auditedcase_change", args=[case.pk]))


@receiver(finding_moved, sender=Finding)
def tell_the_force_of_a_verdict_on_its_work(*, finding: Finding, status_from: str, status_to: str, comment: str,
                                            **kwargs) -> None:
    if status_to == Finding.Status.COMPLETE:
        event, said = Event.FINDING_VERIFIED, "was verified as complete"
    elif (status_from, status_to) == (Finding.Status.IMPLEMENTED, Finding.Status.IN_PROGRESS):
        event, said = Event.FINDING_SENT_BACK, f"was sent back: {comment}"
    else:
        return
    notify(event=event, key=f"finding-{finding.pk}-v{finding.version}",
           recipients=recipients.force_staff(finding.inspection.force_id),
           message=f"{finding.reference} ({finding.inspection}) {said}", url=finding.get_absolute_url())


@receiver(inspection_published, sender=Inspection)
def tell_the_force_and_managers_of_a_publication(*, inspection: Inspection, **kwargs) -> None:
    # reports froze this publication's figures first (its app and receiver are registered before this one).
    version = ResultVersion.objects.filter(inspection=inspection).count()
    force_id = inspection.force_id
    notify(event=Event.INSPECTION_PUBLISHED, key=f"inspection-{inspection.pk}-v{version}",
           recipients=[*recipients.force_staff(force_id), *recipients.managers_of(force_id)],
           message=f"{inspection} was published{' again with revised figures' if version > 1 else ''}.",
           url=reverse("reports:inspection", args=[inspection.pk]))


@receiver(grades_revised, sender=Inspection)
def tell_the_force_and_managers_of_revised_grades(*, inspection: Inspection, **kwargs) -> None:
    """A published inspection's grades revised: a new version of its published record, told as a publication
    (reports froze that version first, as for a publication)."""
    version = ResultVersion.objects.filter(inspection=inspection).count()
    force_id = inspection.force_id
    notify(event=Event.INSPECTION_PUBLISHED, key=f"inspection-{inspection.pk}-v{version}",
           recipients=[*recipients.force_staff(force_id), *recipients.managers_of(force_id)],
           message=f"{inspection} was published again with revised grades: the report shows each beside the "
                   "grade it replaced.",
           url=reverse("reports:inspection", args=[inspection.pk]))


@receiver(reaudit_submitted, sender=ReAudit)
def tell_the_force_and_inspectors_a_reaudit_finished(*, reaudit: ReAudit, **kwargs) -> None:
    self_audit = reaudit.self_audit
    notify(event=Event.REAUDIT_FINISHED, key=f"reaudit-{reaudit.pk}",
           recipients=recipients.people(*recipients.force_audit_audience(self_audit.force_id),
                                        *recipients.inspectors()),
           message=f"The inspectorate's re-audit of {self_audit} is finished: see how far its verdicts agree "
                   "with the force's own.",
           url=reaudit.get_absolute_url())


@receiver(self_audit_closed, sender=Inspection)
def tell_the_force_and_inspectors_of_a_closed_self_audit(*, inspection: Inspection, **kwargs) -> None:
    """A force's own audit closed: its auditors and staff (that force's only), and the inspectors."""
    force_id = inspection.force_id
    closings = inspection.history.filter(status=Inspection.Status.CLOSED).count()  # closed again after a reopening
    notify(event=Event.SELF_AUDIT_CLOSED, key=f"self-audit-{inspection.pk}-closed-{closings}",
           recipients=[*recipients.force_auditors(force_id), *recipients.force_staff(force_id),
                       *recipients.inspectors()],
           message=f"Self-audit closed: {inspection}.", url=inspection.get_absolute_url())
