"""Sampling: sample size, the frame, a seeded stratified draw, weighted estimates."""

import math
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audits import sample_design
from audits.models import AuditedCase, FrameRecord, Inspection, SampleDraw, SamplingFrame
from audits.services import sampling
from reports.weighted import stratum_counts, weighted_estimate
from tests.factories import CrimeFactory, ErrorFactory, InspectionFactory

pytestmark = pytest.mark.django_db


def frame_csv(records):
    lines = ["reference,occurred_at,stratum"] + [f"{ref},{when},{stratum}" for ref, when, stratum in records]
    return ("\n".join(lines) + "\n").encode()


def population(n_incidents=60, n_referrals=30, n_bureau=10):
    records = []
    for stratum, count in [("incident_log", n_incidents), ("safeguarding_referral", n_referrals),
                           ("crime_bureau", n_bureau)]:
        records += [(f"{stratum[:3].upper()}-{i:04d}", f"{1 + i % 28:02d}/03/2024 {i % 24:02d}:15", stratum)
                    for i in range(count)]
    return records


def upload(inspection, user, records=None, name="frame.csv"):
    content = frame_csv(records or population())
    return sampling.frame_upload(inspection=inspection, upload=SimpleUploadedFile(name, content), filename=name, by=user)


def fresh_inspection(world):
    return InspectionFactory(force=world.forces.a, audit_period_start=date(2024, 1, 1), audit_period_end=date(2024, 6, 30))


def test_sample_size_reproduces_the_inspectorates_audit_size():
    # ± 1.75 points around 80.4% needs about 1,970 crimes (Thames Valley 2017 audited 1,970).
    assert sample_design.sample_size(0.0175, 0.804) == math.ceil(1.959964 ** 2 * 0.804 * 0.196 / 0.0175 ** 2)
    assert abs(sample_design.sample_size(0.0175, 0.804) - 1970) < 10
    with_fpc = sample_design.sample_size(0.0175, 0.804, population=10_000)
    assert with_fpc == math.ceil(1977 / (1 + 1976 / 10_000))
    with pytest.raises(ValidationError):
        sample_design.sample_size(0, 0.8)


def test_allocation_is_proportional_and_sums_to_the_total():
    sizes = sample_design.allocate(25, {"a": 60, "b": 30, "c": 10})
    assert sizes == {"a": 15, "b": 8, "c": 2} or sizes == {"a": 15, "b": 7, "c": 3}
    assert sum(sizes.values()) == 25
    for total in range(1, 101):
        assert sum(sample_design.allocate(total, {"a": 60, "b": 30, "c": 10}).values()) == total
    with pytest.raises(ValidationError, match="only 100 records"):
        sample_design.allocate(101, {"a": 60, "b": 30, "c": 10})


def test_the_same_frame_and_seed_give_the_same_sample(world):
    first, second = fresh_inspection(world), fresh_inspection(world)
    shuffled = population()[::-1]  # the same records in another order
    frame_one, frame_two = upload(first, world.people.inspector), upload(second, world.people.inspector, shuffled)
    sizes = {"incident_log": 6, "safeguarding_referral": 3, "crime_bureau": 1}
    assert sampling.chosen_records(frame_one, 42, sizes) == sampling.chosen_records(frame_two, 42, sizes)
    assert sampling.chosen_records(frame_one, 42, sizes) != sampling.chosen_records(frame_one, 43, sizes)


def test_a_draw_creates_draft_cases_per_stratum_and_freezes_the_frame(world):
    inspection = fresh_inspection(world)
    upload(inspection, world.people.inspector)
    draw = sampling.draw_sample(inspection=inspection, seed=2019, by=world.people.inspector,
                                sizes=sample_design.allocate(20, {"incident_log": 60, "safeguarding_referral": 30,
                                                             "crime_bureau": 10}))
    cases = AuditedCase.objects.filter(inspection=inspection)
    assert cases.count() == draw.total == 20
    assert {s: cases.filter(stratum=s).count() for s in draw.sizes} == draw.sizes
    assert draw.populations == {"crime_bureau": 10, "incident_log": 60, "safeguarding_referral": 30}
    assert set(cases.values_list("moderation_state", flat=True)) == {"draft"}
    assert cases.filter(stratum="safeguarding_referral", source="safeguarding_referral").count() == draw.sizes[
        "safeguarding_referral"]
    assert SampleDraw.history.filter(id=draw.pk, history_type="+").exists()  # the draw is kept in the history
    drawn_by = set(AuditedCase.history.filter(inspection_id=inspection.pk, history_type="+")
                   .values_list("history_user__username", "version"))
    assert drawn_by == {(world.people.inspector.username, 1)}  # each case's first version, by whoever drew it
    with pytest.raises(ValidationError, match="frozen"):
        upload(inspection, world.people.inspector)
    with pytest.raises(ValidationError, match="already been drawn"):
        sampling.draw_sample(inspection=inspection, seed=1, sizes={"incident_log": 1}, by=world.people.inspector)


@pytest.mark.parametrize("sizes,message", [({"incident_log": 61}, "has 60 records"), ({"nope": 1}, "not in the frame"),
                                           ({"incident_log": 0}, "at least one")])
def test_bad_draws_are_refused_and_write_nothing(world, sizes, message):
    inspection = fresh_inspection(world)
    upload(inspection, world.people.inspector)
    with pytest.raises(ValidationError, match=message):
        sampling.draw_sample(inspection=inspection, seed=5, sizes=sizes, by=world.people.inspector)
    assert not AuditedCase.objects.filter(inspection=inspection).exists() and not SampleDraw.objects.exists()


@pytest.mark.parametrize("records,message", [
    ([("A1", "01/03/2024 09:00", "incident_log"), ("A1", "02/03/2024 09:00", "incident_log")], "Row 3: reference A1 appears twice"),
    ([("A1", "yesterday", "incident_log")], "Row 2: occurred_at “yesterday” is not a date"),
    ([("A1", "01/03/2024 09:00", "")], "Row 2: stratum"),
])
def test_a_bad_frame_names_the_row_and_stores_nothing(world, records, message):
    inspection = fresh_inspection(world)
    with pytest.raises(ValidationError) as error:
        upload(inspection, world.people.inspector, records)
    assert any(message in text for text in error.value.messages)
    assert not SamplingFrame.objects.exists() and not FrameRecord.objects.exists()


def test_weighted_estimate_matches_a_hand_computed_example(world):
    inspection = fresh_inspection(world)
    records = [(f"I{i}", "01/03/2024 09:00", "incident_log") for i in range(900)] + [
        (f"R{i}", "01/03/2024 09:00", "safeguarding_referral") for i in range(100)]
    upload(inspection, world.people.inspector, records)
    draw = sampling.draw_sample(inspection=inspection, seed=7, by=world.people.inspector,
                                sizes={"incident_log": 3, "safeguarding_referral": 2})
    incident_cases = list(AuditedCase.objects.filter(inspection=inspection, stratum="incident_log"))
    for case in incident_cases[:2]:
        CrimeFactory(case=case, recorded_at=None)
    ErrorFactory(crime__case=incident_cases[2], kind="not_recorded")
    for case in AuditedCase.objects.filter(inspection=inspection, stratum="safeguarding_referral"):
        CrimeFactory(case=case, recorded_at=None)
    estimate = weighted_estimate(draw, stratum_counts(inspection.pk))
    # W = 0.9 and 0.1; p = 2/3 and 1: rate 0.9·2/3 + 0.1·1 = 0.7.
    assert estimate.rate == pytest.approx(0.7)
    variance = 0.9 ** 2 * (1 - 3 / 900) * (2 / 3) * (1 / 3) / 2 + 0.1 ** 2 * (1 - 2 / 100) * 1 * 0 / 1
    assert estimate.margin == pytest.approx(1.959964 * math.sqrt(variance), rel=1e-5)
    assert [s[0] for s in estimate.strata] == ["incident_log", "safeguarding_referral"]


def test_sample_page_upload_draw_and_report(world, client_for):
    inspection = fresh_inspection(world)
    client = client_for(world.people.inspector)
    url = reverse("audits:sample", args=[inspection.pk])
    page = client.get(url, {"margin": "10", "expected_rate": "85"})
    assert "Audit <strong>49</strong> records" in page.content.decode()
    client.post(url, {"upload": "1", "file": SimpleUploadedFile("frame.csv", frame_csv(population()))})
    assert SamplingFrame.objects.get(inspection=inspection).record_count == 100
    allocation = client.get(url, {"margin": "10", "expected_rate": "85"}).context["allocation"]
    assert sum(allocation.values()) == client.get(url, {"margin": "10", "expected_rate": "85"}).context["needed"]
    response = client.post(url, {"draw": "1", "seed": "99", "total": "10", "sizes": ""})
    assert response.status_code == 302
    draw = SampleDraw.objects.get(frame__inspection=inspection)
    assert draw.seed == 99 and draw.total == 10
    assert "Seed" in client.get(url).content.decode()
    for case in AuditedCase.objects.filter(inspection=inspection):
        CrimeFactory(case=case, recorded_at=None)
    report = client.get(reverse("reports:inspection", args=[inspection.pk])).content.decode()
    assert "Weighted by stratum, the all-crime recording rate is 100.0%" in report


def test_only_inspectors_upload_and_draw(world, client_for):
    url = reverse("audits:sample", args=[world.inspection.pk])
    staff = client_for(world.people.staff_a)
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"upload": "1", "file": SimpleUploadedFile("frame.csv", frame_csv(population()))})
    assert response.status_code == 403 and not SamplingFrame.objects.exists()
    Inspection.objects.filter(pk=world.inspection.pk).update(status="published")
    with pytest.raises(ValidationError, match="published"):
        upload(world.inspection, world.people.inspector)
