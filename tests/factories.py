from datetime import date, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audits.models import (
    AuditedCase,
    AuditedCrime,
    Challenge,
    Inspection,
    OffenceSubgroup,
    PublishedResult,
    RecordingError,
)
from forces.models import Force, ForceMembership
from recommendations.models import Evidence, Finding, FollowUp
from reports.publication import freeze_results


def offence(name):
    return OffenceSubgroup.objects.get(name=name)


def make_user(username, role, force=None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw", **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    if force is not None:
        ForceMembership.objects.create(user=user, force=force)
    return user


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    force = factory.LazyFunction(lambda: Force.objects.get(slug="thames-valley"))
    kind = Inspection.Kind.CDI
    audit_period_start = date(2024, 1, 1)
    audit_period_end = date(2024, 6, 30)
    status = Inspection.Status.FIELDWORK


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditedCase

    inspection = factory.SubFactory(InspectionFactory)
    reference = factory.Sequence(lambda n: f"REF-{n:05d}")
    source = AuditedCase.Source.INCIDENT_LOG
    reported_at = factory.LazyFunction(lambda: timezone.make_aware(datetime(2024, 3, 1, 9, 0)))


class CrimeFactory(factory.django.DjangoModelFactory):
    """A crime recorded as expected, two hours after the report."""

    class Meta:
        model = AuditedCrime

    case = factory.SubFactory(CaseFactory)
    expected_offence = factory.LazyFunction(lambda: offence("Violence with injury"))
    recorded_offence = factory.LazyAttribute(lambda crime: crime.expected_offence)
    recorded_at = factory.LazyAttribute(lambda crime: crime.case.reported_at + timedelta(hours=2))
    # Asked only of an unrecorded crime (required for it): "not known" unless a test says otherwise.
    safeguarding = factory.LazyAttribute(lambda crime: "" if crime.recorded_offence else "not_known")


class ErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordingError

    crime = factory.SubFactory(CrimeFactory, recorded_offence=None, recorded_at=None)
    kind = "not_recorded"


class PublishedResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishedResult

    inspection = factory.SubFactory(InspectionFactory)
    category = "all_crime"
    rate = "80.40"
    interval = "1.75"


def publish(inspection, published_on=None):
    """Mark an inspection published as test data and freeze its figures, as publishing does (the
    service's own rules are tested through ``inspection_change_status``)."""
    published_on = published_on or inspection.published_on or date(2024, 10, 1)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.PUBLISHED, published_on=published_on)
    inspection.refresh_from_db()
    freeze_results(inspection)
    return inspection


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    kind = Finding.Kind.RECOMMENDATION
    reference = factory.Sequence(lambda n: f"R{n}")
    text = "Make sure every crime reported is recorded within 24 hours."
    timescale = Finding.Timescale.THREE_MONTHS
    due_on = date(2024, 12, 31)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    finding = factory.SubFactory(FindingFactory)
    author = factory.LazyFunction(lambda: make_user(f"author-{FollowUp.objects.count()}", None))
    comment = "Action plan agreed by the chief officer group."
    version = 1


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    follow_up = factory.SubFactory(FollowUpFactory)
    file = factory.LazyFunction(lambda: SimpleUploadedFile("plan.pdf", b"%PDF-1.4 Thames Valley action plan"))
    original_name = "Thames Valley action plan.pdf"
    content_type = "application/pdf"
    size = 34


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    error = factory.SubFactory(ErrorFactory)
    case = factory.LazyAttribute(lambda challenge: challenge.error.crime.case)
    error_kind = factory.LazyAttribute(lambda challenge: challenge.error.kind)
    offence = "Violence with injury"
    reason = "Recorded under CR/1."
    raised_by = factory.LazyFunction(lambda: make_user(f"challenger-{Challenge.objects.count()}", None))


# Force self-audits (issue 17), for the re-audit tests. Markers of the force's own verdicts and notes, which the
# inspector's blind re-audit page must never show.
FORCE_NOTE = "TVP-SA-NOTE-7731"
FORCE_QUERY = "TVP-SA-QUERY-5120"
FORCE_REASON = "TVP-SA-OUTCOME-REASON"


def make_self_audit(force, auditor, n=6, *, agreed=True, prefix="TVP-SA"):
    """A force self-audit with ``n`` cases of one crime each: odd cases recorded correctly; even ones a rape
    the force did not record (its auditors found "not recorded"), and one case ending with no crime."""
    self_audit = InspectionFactory(force=force, kind=Inspection.Kind.FORCE_SELF_AUDIT,
                                   status=Inspection.Status.MODERATION)
    moderation = AuditedCase.Moderation.AGREED if agreed else AuditedCase.Moderation.SUBMITTED
    for i in range(1, n + 1):
        case = CaseFactory(inspection=self_audit, reference=f"{prefix}-{i:03d}", auditor=auditor,
                           moderation_state=moderation, notes=FORCE_NOTE, query_reason=FORCE_QUERY)
        if i % 2:
            CrimeFactory(case=case)
        else:
            ErrorFactory(crime__case=case, crime__expected_offence=offence("Rape"), kind="not_recorded")
    CaseFactory(inspection=self_audit, reference=f"{prefix}-NOCRIME", outcome="no_crime", outcome_reason=FORCE_REASON,
                moderation_state=moderation)
    return self_audit


def make_reaudit(self_audit, inspector, *, size=2, seed=1, submit=False):
    """A re-audit of ``self_audit`` drawn by ``inspector``; with ``submit``, every crime found as the force
    found it (recorded: correct; unrecorded: not recorded), and submitted."""
    from reaudits import services

    reaudit = services.reaudit_draw(self_audit=self_audit, size=size, seed=seed, by=inspector)
    if submit:
        for row in reaudit.cases.select_related("case").order_by("position"):
            services.reaudit_case_save(reaudit_case=row, by=inspector, verdicts={
                crime.pk: ([] if crime.recorded_offence_id else ["not_recorded"], {})
                for crime in row.case.crimes.all()})
        services.reaudit_submit(reaudit=reaudit, by=inspector)
    return reaudit
