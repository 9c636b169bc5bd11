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
