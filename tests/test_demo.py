"""The demo: refuses to run without DEBUG, is idempotent and reproduces the published rape audit counts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse

from audits.models import AuditedCase, AuditedCrime, CancellationReview, Inspection, RecordingError
from forces.models import Force
from tests.report_files import csv_rows, zip_readme, zip_rows

# One worker runs the whole module, so that its demo (module-scoped, tests/conftest.py demo_data) is loaded once
# rather than once on each worker that is given one of its tests (pytest.ini: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture
def demo(demo_data, settings):
    """The demo, loaded once for the module (tests/conftest.py ``demo_data``); each test's writes are rolled back."""
    settings.DEBUG = True


def rape_counts(force_slug):
    inspection = Inspection.objects.get(force__slug=force_slug, sample_is_synthetic=True, status="published")
    rapes = AuditedCrime.objects.filter(case__inspection=inspection, expected_offence__name="Rape")
    counts = rapes.aggregate(
        audited=Count("id"),
        recorded_as_rape=Count("id", filter=Q(recorded_offence__name="Rape")),
    )
    errors = RecordingError.objects.filter(crime__in=rapes).values_list("kind").annotate(n=Count("id"))
    return inspection, counts, dict(errors)


def test_load_demo_refuses_when_debug_is_off(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("load_demo")
    assert not AuditedCase.objects.exists() and not Inspection.objects.exists()


def test_thames_valley_2019_reproduces_126_of_138(demo):
    inspection, counts, errors = rape_counts("thames-valley")
    assert inspection.kind == "cdi_reinspection" and inspection.status == "published"
    assert counts == {"audited": 138, "recorded_as_rape": 126}
    assert errors == {"misclassified": 5, "not_recorded": 7}
    assert 300 <= AuditedCrime.objects.filter(case__inspection=inspection).exclude(
        expected_offence__name="Rape").count() <= 600


def test_gloucestershire_2019_reproduces_87_of_117(demo):
    inspection, counts, errors = rape_counts("gloucestershire")
    assert counts == {"audited": 117, "recorded_as_rape": 87}
    assert errors == {"misclassified": 6, "not_recorded": 13, "n100_misused": 11}


def test_gloucestershire_2019_has_a_synthetic_cancellation_review_apart_from_its_rates(demo):
    inspection = Inspection.objects.get(force__slug="gloucestershire", sample_is_synthetic=True, status="published")
    reviews = CancellationReview.objects.filter(inspection=inspection)
    assert (reviews.count(), reviews.filter(verdict="correct").count()) == (20, 14)
    assert set(reviews.values_list("category", flat=True)) == {"rape", "other_sexual_offences",
                                                              "violence_against_the_person", "robbery"}
    assert not reviews.filter(verdict="incorrect", reason="").exists()
    client = Client()
    client.force_login(get_user_model().objects.get(username="glos-staff"))
    response = client.get(reverse("reports:inspection", args=[inspection.pk]))
    tables = {table.key: table for table in response.context["tables"]}
    assert tables["cancellations"].rows[-1][:5] == ["All reviewed", 20, 14, 6, "14 of 20"]
    rape = next(row for row in tables["categories"].rows if row[0] == "Rape")
    assert rape[1:3] == [117, 87]  # the published rape audit, untouched by the review
    page = client.get(reverse("audits:cancellation_reviews", args=[inspection.pk])).content.decode()
    assert 'data-testid="synthetic-banner"' in page and "SYN-GLO-CX020" in page


def test_load_demo_is_idempotent(demo, settings):
    before = (Inspection.objects.count(), AuditedCase.objects.count(), AuditedCrime.objects.count(),
              RecordingError.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert (Inspection.objects.count(), AuditedCase.objects.count(), AuditedCrime.objects.count(),
            RecordingError.objects.count()) == before
    assert Inspection.objects.filter(published_results__isnull=False).distinct().count() == 33


def test_demo_users_sign_in_and_see_what_their_role_allows(demo):
    tvp = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    glos = Inspection.objects.get(force__slug="gloucestershire", sample_is_synthetic=True, status="published")
    expectations = {
        "inspector": (200, 200, 200),
        "inspector2": (200, 200, 200),
        "admin": (200, 200, 200),
        "manager": (200, 200, 403),
        "tvp-staff": (200, 404, 403),
        "glos-staff": (404, 200, 403),
    }
    for username, (tvp_status, glos_status, admin_status) in expectations.items():
        client = Client()
        assert client.login(username=username, password="demo"), username
        assert client.get(tvp.get_absolute_url()).status_code == tvp_status, username
        assert client.get(glos.get_absolute_url()).status_code == glos_status, username
        assert client.get(reverse("admin:index")).status_code == admin_status, username


def test_synthetic_samples_are_labelled_on_every_page_that_shows_them(demo):
    client = Client()
    client.login(username="tvp-staff", password="demo")
    inspection = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    case = inspection.cases.first()
    for url in [inspection.get_absolute_url(), case.get_absolute_url()]:
        assert "Synthetic data" in client.get(url).content.decode(), url
    export = client.get(reverse("audits:inspection_cases_csv", args=[inspection.pk]))
    assert "synthetic" in export["Content-Disposition"]
    published_only = Inspection.objects.get(force__slug="thames-valley", kind="cdi")
    assert "Synthetic data" not in client.get(published_only.get_absolute_url()).content.decode()


def test_the_demo_freezes_its_synthetic_samples_as_synthetic_everywhere_figures_are_read(demo):
    from reports.models import ResultVersion

    # The two synthetic samples, and the synthetic Kent inspection set against Kent's own audits.
    assert ResultVersion.objects.filter(is_synthetic=True).count() == 3
    client = Client()
    client.login(username="manager", password="demo")
    overview = client.get(reverse("reports:overview"))
    # Kent's synthetic inspection was published before its real 2019 re-inspection, which stays Kent's latest.
    synthetic_rows = [row for row in overview.context["table"].rows if row[-1] == "Synthetic"]
    assert sorted(row[0] for row in synthetic_rows) == ["Gloucestershire Constabulary", "Thames Valley Police"]
    assert overview.content.decode().count('data-testid="synthetic-tag"') == 2
    overview_csv = client.get(reverse("reports:overview_export", args=["csv"]))
    assert overview_csv["Content-Disposition"].endswith('-SYNTHETIC.csv"')
    assert sum(row[-1] == "Synthetic" for row in csv_rows(overview_csv)) == 2
    assert zip_readme(client.get(reverse("reports:overview_export", args=["zip"]))).startswith(
        "Filters: none\nSYNTHETIC DATA:")
    force_zip = client.get(reverse("reports:force_export", args=["thames-valley", "zip"]))
    assert "SYNTHETIC DATA:" in zip_readme(force_zip) and "Synthetic" in [row[-1] for row in zip_rows(force_zip)]
    tvp = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    api = Client()
    api.login(username="manager", password="demo")
    results = api.get(reverse("api:inspection-results", args=[tvp.pk])).json()
    assert results and all(row["synthetic"] and not row["provisional"] for row in results)


def report_table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


@pytest.mark.parametrize("slug,expected", [
    ("thames-valley", {"recorded": 126, "audited": 138, "rate": 91.3,
                       "errors": {"Not recorded": 7, "Misclassified": 5, "N100 used wrongly": 0}}),
    ("gloucestershire", {"recorded": 87, "audited": 117, "rate": 74.4,
                         "errors": {"Not recorded": 13, "Misclassified": 6, "N100 used wrongly": 11}}),
])
def test_demo_cases_reproduce_the_published_rape_audits(demo, client, slug, expected):
    client.login(username="manager", password="demo")
    inspection = Inspection.objects.get(force__slug=slug, sample_is_synthetic=True, status="published")
    response = client.get(reverse("reports:inspection", args=[inspection.pk]))
    rape = next(r for r in report_table(response, "categories").rows if r[0] == "Rape")
    assert rape[1:4] == [expected["audited"], expected["recorded"], expected["rate"]]
    errors = {row[0]: row[4] for row in report_table(response, "errors").rows}  # the rape column
    for kind, count in expected["errors"].items():
        assert errors[kind] == count
    page = response.content.decode()
    assert f"{expected['recorded']} of {expected['audited']}</strong> recorded" in page
    published = next(r for r in report_table(response, "computed_vs_published").rows if r[0] == "Rape")
    assert published[1] == published[3] == expected["rate"] and published[5] == 0.0


def test_the_demo_shows_question_grades_and_staffordshires_revised_grade(demo, client):
    """Staffordshire 2016, as HMIC revised it after publication: the report shows each question's grade and the
    overall grade with the one it replaced; version 1 is the grade as first published."""
    client.login(username="manager", password="demo")
    inspection = Inspection.objects.get(force__slug="staffordshire")
    assert str(inspection) == "Staffordshire Police crime data integrity inspection 2016"
    response = client.get(reverse("reports:inspection", args=[inspection.pk]))
    grades = {row[0]: row[1] for row in report_table(response, "grades").rows}
    assert grades["Overall grade"].startswith("Good (revised on 09/02/2017 from requires improvement: HMIC's January 2017")
    assert [grade.split(" (")[0] for grade in grades.values()] == ["Good", "Good", "Requires improvement", "Good"]
    assert report_table(response, "grades").title == "Grades under the CDI 2016 scheme"
    first = client.get(reverse("reports:inspection", args=[inspection.pk]), {"version": 1})
    assert [row[1] for row in report_table(first, "grades").rows] == [
        "Requires improvement", "Not graded", "Not graded", "Not graded"]


def test_the_thames_valley_re_inspection_carries_results_forward_and_computes_additional_crimes(demo, client):
    client.login(username="tvp-staff", password="demo")
    tvp = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    assert tvp.carried_forward_areas == ["vulnerable_victim", "modern_slavery", "n100", "cancellations"]
    assert tvp.previous_inspection.kind == "cdi" and tvp.previous_inspection.published_on.year == 2018
    response = client.get(reverse("reports:inspection", args=[tvp.pk]))
    title = str(tvp.previous_inspection)
    by_source = {row[0]: row for row in report_table(response, "by_source").rows}
    assert by_source["Vulnerable victims"][1:8] == [None] * 7
    assert by_source["Vulnerable victims"][8] == f"Carried forward from {title}: 9 of 20 (45.0%)"
    assert by_source["Domestic abuse"][4:6] == ["289 of 379", 76.3] and by_source["Domestic abuse"][1] is not None
    assert by_source["Cancelled crime records"][8] == (
        "Carried forward: the previous inspection published no figure for it")
    scope = {row[0]: row[1] for row in report_table(response, "scope").rows}
    assert scope["All crime"] == "Audited" and scope["Modern slavery"] == "Carried forward"
    from reports.models import FrozenAdditionalEstimate

    additional = {row[0]: row for row in report_table(response, "additional").rows}["All crime"]
    # The synthetic volume (144,000) with the 2017 published 80.4% and the synthetic sample's computed rate.
    frozen = FrozenAdditionalEstimate.objects.get(version__inspection=tvp, category="all_crime")
    assert (frozen.earlier_rate, frozen.volume) == (0.804, 144_000)
    assert additional[1:3] == [title, 80.4] and additional[5] == 144_000
    assert additional[6] == round(144_000 * (1 - 0.804 / frozen.later_rate)) > 0


def test_gloucestershire_shows_its_published_vulnerable_victims_beside_the_computed_figure(demo, client):
    client.login(username="glos-staff", password="demo")
    glos = Inspection.objects.get(force__slug="gloucestershire", sample_is_synthetic=True, status="published")
    response = client.get(reverse("reports:inspection", args=[glos.pk]))
    vulnerable = {row[0]: row for row in report_table(response, "by_source").rows}["Vulnerable victims"]
    assert vulnerable[4:6] == ["22 of 41", 53.7] and vulnerable[1] is not None and vulnerable[7] is not None
    assert "safeguarding referrals" in vulnerable[9]


def test_some_demo_errors_cite_a_rule_other_than_their_kinds_usual_one(demo, client):
    client.login(username="manager", password="demo")
    inspection = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    rules = report_table(client.get(reverse("reports:inspection", args=[inspection.pk])), "rules").rows
    cited = {row[0].split(":")[0]: row[2] for row in rules}  # the all-crime column
    assert {"HOCR-PCR", "HOCR-FIR", "NCRS-THIRD-PARTY", "CANCEL-DDM"} <= {code for code, n in cited.items() if n}
    # The errors by kind still add up: every error cites exactly one rule.
    errors = report_table(client.get(reverse("reports:inspection", args=[inspection.pk])), "errors").rows
    assert sum(cited.values()) == sum(row[1] for row in errors)


def test_the_demo_shows_work_in_progress(demo):
    from audits.models import Challenge, SampleDraw
    from recommendations.models import Finding

    glos = Inspection.objects.get(force__slug="gloucestershire", kind="peel_victim_service")
    assert glos.status == "fieldwork" and glos.sample_is_synthetic
    draw = SampleDraw.objects.get(frame__inspection=glos)
    assert (draw.seed, draw.frame.record_count, draw.sizes) == (2026, 120, {"crime_bureau": 3, "incident_log": 9})
    states = dict(glos.cases.values_list("moderation_state").annotate(n=Count("id")))
    assert states == {"agreed": 2, "queried": 3, "submitted": 4, "draft": 3}
    tvp = Inspection.objects.get(force__slug="thames-valley", kind="peel_victim_service")
    assert tvp.status == "moderation" and tvp.challenges_close_on > tvp.fieldwork_start
    assert not tvp.cases.exclude(moderation_state="agreed").exists()
    challenges = dict(Challenge.objects.filter(case__inspection=tvp).values_list("status").annotate(n=Count("id")))
    assert challenges == {"open": 1, "upheld": 1}
    assert Finding.objects.filter(status="implemented").exists()  # claimed by the force, awaiting verification


def test_demo_users_have_notifications_waiting(demo):
    """Queries to each case's author, a challenge raised and decided, a finding verified, and for the manager
    Staffordshire 2016 published again with its revised grades."""
    from notifications.models import Notification

    waiting = {username: set(Notification.objects.filter(recipient__username=username, read_at__isnull=True)
                             .values_list("event", flat=True))
               for username in ["inspector", "inspector2", "admin", "tvp-staff", "glos-staff", "manager",
                                "kent-auditor"]}
    # Kent's own audits closed and the inspectorate's re-audit of the last one finished: told to its auditors and
    # the inspectors (and the synthetic Kent inspection's publication to the managers).
    assert waiting == {"inspector": {"case_queried", "challenge_raised", "self_audit_closed", "reaudit_finished"},
                       "inspector2": {"case_queried", "self_audit_closed", "reaudit_finished"},
                       "admin": {"case_queried"}, "tvp-staff": {"challenge_decided"},
                       "glos-staff": {"finding_verified"}, "manager": {"inspection_published"},
                       "kent-auditor": {"self_audit_closed", "reaudit_finished"}}
    revised = Notification.objects.get(recipient__username="manager", message__startswith="Staffordshire")
    assert revised.message.startswith("Staffordshire Police") and "revised grades" in revised.message
    page = Client()
    page.force_login(revised.recipient)
    assert revised.message in page.get(reverse("notifications:list")).content.decode()


def test_the_demo_shows_records_with_no_crime_victim_flags_safeguarding_and_equality(demo):
    glos = Inspection.objects.get(force__slug="gloucestershire", sample_is_synthetic=True, status="published")
    tvp = Inspection.objects.get(force__slug="thames-valley", sample_is_synthetic=True, status="published")
    for inspection in (glos, tvp):
        cases = AuditedCase.objects.filter(inspection=inspection)
        crimes = AuditedCrime.objects.filter(case__inspection=inspection)
        assert cases.filter(outcome="no_crime").count() == 12
        assert cases.filter(anonymous_report=True).exists() and cases.filter(third_party_report=True).exists()
        assert set(cases.values_list("equality_information", flat=True)) == {"yes", "no", "not_applicable"}
        assert set(crimes.filter(recorded_offence__isnull=True).values_list("safeguarding", flat=True)) == {
            "yes", "no", "not_known"}
        assert crimes.filter(child_victim=True).exists()
        # A flagged crime beside an unflagged sibling in the same case.
        assert cases.filter(crimes__domestic_abuse=True).filter(crimes__domestic_abuse=False).exists()
    figures = Client()
    figures.force_login(get_user_model().objects.get(username="manager"))
    response = figures.get(reverse("reports:inspection", args=[glos.pk]))
    results = {row[0]: row[1:] for row in next(t for t in response.context["tables"] if t.key == "case_results").rows}
    assert results["N100 used correctly"][0] == "10 of 21"  # the 11 published N100 rapes are the others
    records = next(t for t in response.context["tables"] if t.key == "records").rows
    assert records[-1][0] == "All sources" and records[-1][3] == 12
    versions = list(glos.result_versions.values_list("number", "case_outcomes"))
    assert versions[0][1]["sources"]["n100_record"] == [21, 0, 10], versions


def test_the_demo_gives_kent_a_year_of_own_audits_drifting_up_against_an_inspection_finding_less(demo):
    from reports.self_audits import comparisons, monthly_series
    from reports.statistics import OVER_STATES

    kent = Force.objects.get(slug="kent")
    auditor = get_user_model().objects.get(username="kent-auditor")
    own = Inspection.objects.filter(force=kent, kind=Inspection.Kind.FORCE_SELF_AUDIT)
    assert own.count() == 12 and not own.exclude(status="closed").exists()
    all_crime = monthly_series(auditor, kent)[0]
    rates = [point.rate for _, point in all_crime.rows]
    assert sum(rates[:3]) / 3 < 0.92 < sum(rates[-3:]) / 3
    (comparison,) = comparisons(auditor, kent)
    assert comparison.rows[0].result.statement == OVER_STATES
    assert Client().login(username="kent-auditor2", password="demo")
