"""Force self-audits: the force auditor's scope (their own force's self-audits and published results, nothing
else, through every path), the self-audit's lifecycle (closed, never published), its absence from every national
figure, and the monthly p-chart and the comparison with the inspectorate."""

import math
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services
from audits.models import AuditedCase, AuditedCrime, Inspection, RecordingError
from audits.services.case_import import import_cases, plan_import
from forces.scoping import may_audit
from notifications.models import Notification
from reports.models import ResultVersion
from reports.statistics import AGREES, OVER_STATES, UNDER_STATES, agreement, p_chart, p_chart_limits
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, publish

pytestmark = pytest.mark.django_db

Status = Inspection.Status
SELF = Inspection.Kind.FORCE_SELF_AUDIT


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def counts():
    return (Inspection.objects.count(), AuditedCase.objects.count(), AuditedCrime.objects.count(),
            RecordingError.objects.count())


# The rule: forces.scoping -------------------------------------------------------------------------------------------


def test_may_audit_allows_a_force_auditor_only_their_own_forces_self_audits(self_audits):
    w, people = self_audits, self_audits.people
    assert may_audit(people.auditor_a, force_id=w.forces.a.pk, kind=SELF)
    assert not may_audit(people.auditor_a, force_id=w.forces.b.pk, kind=SELF)
    assert not may_audit(people.auditor_a, force_id=w.forces.a.pk, kind=Inspection.Kind.CDI)
    assert may_audit(people.inspector, force_id=w.forces.b.pk, kind=SELF)
    for who in (people.staff_a, people.manager, people.nobody):
        assert not may_audit(who, force_id=w.forces.a.pk, kind=SELF)


def test_a_force_auditor_sees_their_forces_self_audits_and_published_inspections_only(self_audits):
    w = self_audits
    seen = set(Inspection.objects.for_user(w.people.auditor_a))
    assert seen == {w.own_a, w.published_a}
    cases = set(AuditedCase.objects.for_user(w.people.auditor_a))
    assert w.case_sa in cases and w.case not in cases and w.case_sb not in cases
    # Staff and managers of the force see its self-audits too; another force's people never do.
    assert w.own_a in Inspection.objects.for_user(w.people.staff_a)
    assert w.own_a in Inspection.objects.for_user(w.people.manager)
    assert w.own_a not in Inspection.objects.for_user(w.people.staff_b)
    assert w.own_a not in Inspection.objects.for_user(w.people.manager_b)
    assert set(Inspection.objects.for_user(w.people.auditor_b)) == {w.own_b}


# Pages, exports and the admin --------------------------------------------------------------------------------------


def own_audit_pages(inspection, case):
    return [reverse("audits:inspection", args=[inspection.pk]), reverse("audits:case", args=[case.pk]),
            reverse("audits:inspection_cases_csv", args=[inspection.pk]),
            reverse("audits:case_export", args=[inspection.pk, "csv"]),
            reverse("audits:case_export", args=[inspection.pk, "xlsx"]),
            reverse("audits:sample", args=[inspection.pk]),
            reverse("reports:inspection", args=[inspection.pk]),
            reverse("admin:audits_inspection_change", args=[inspection.pk]),
            reverse("admin:audits_auditedcase_change", args=[case.pk])]


def test_another_forces_auditor_gets_404_for_every_page_of_a_self_audit(self_audits, client_for):
    w = self_audits
    client = client_for(w.people.auditor_b)
    for url in own_audit_pages(w.own_a, w.case_sa) + [
            reverse("reports:self_audit_series", args=[w.forces.a.slug]),
            reverse("reports:self_audit_comparison", args=[w.forces.a.slug])]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"TVP-SA-0001" not in response.content
    assert client.get(reverse("audits:case_import", args=[w.own_a.pk])).status_code == 404


def test_a_force_auditor_never_sees_an_unpublished_inspection_of_their_own_force(self_audits, client_for):
    w = self_audits
    client = client_for(w.people.auditor_a)
    for url in own_audit_pages(w.inspection, w.case) + [reverse("audits:challenge", args=[w.challenge.pk])]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"TVP-A-0001" not in response.content
    for url in [reverse("forces:detail", args=[w.forces.a.slug]), reverse("reports:force", args=[w.forces.a.slug]),
                reverse("audits:home"), reverse("search:search") + "?q=TVP-A", reverse("reports:overview"),
                reverse("admin:audits_auditedcase_changelist"), reverse("admin:audits_inspection_changelist"),
                reverse("reports:self_audit_series", args=[w.forces.a.slug])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"TVP-A-0001" not in response.content, url
    # Their own audits, and the published inspection, they see.
    for url in own_audit_pages(w.own_a, w.case_sa)[:6] + [reverse("audits:inspection", args=[w.published_a.pk])]:
        assert client.get(url).status_code == 200, url


def test_a_force_auditor_reads_a_published_inspection_but_cannot_change_it(self_audits, client_for):
    w = self_audits
    client = client_for(w.people.auditor_a)
    before = counts()
    response = client.get(reverse("admin:audits_inspection_change", args=[w.published_a.pk]))
    assert response.status_code == 200 and b'name="notes"' not in response.content  # read only
    case = w.published_a.cases.get()
    response = client.post(reverse("admin:audits_auditedcase_change", args=[case.pk]), {"reference": "X"})
    assert response.status_code == 403
    assert client.get(reverse("audits:case_import", args=[w.published_a.pk])).status_code == 403
    assert counts() == before


def test_a_force_auditor_plans_only_their_own_forces_self_audits_in_the_admin(self_audits, client_for):
    w = self_audits
    client = client_for(w.people.auditor_a)
    add = reverse("admin:audits_inspection_add")
    base = {"audit_period_start": "01/04/2024", "audit_period_end": "30/04/2024", "notes": ""}
    before = counts()
    for refused in ({"force": w.forces.b.pk, "kind": SELF}, {"force": w.forces.a.pk, "kind": Inspection.Kind.CDI}):
        response = client.post(add, {**base, **refused})
        assert response.status_code == 200 and b"errornote" in response.content, refused
    assert counts() == before
    response = client.post(add, {**base, "force": w.forces.a.pk, "kind": SELF})
    assert response.status_code == 302
    planned = Inspection.objects.latest("pk")
    assert (planned.kind, planned.force, planned.status) == (SELF, w.forces.a, Status.PLANNED)
    assert str(planned) == "Thames Valley Police’s own audit, April 2024"


def test_a_self_audit_needs_its_audit_period_and_has_no_grades_or_publication(self_audits):
    w = self_audits
    audit = Inspection(force=w.forces.a, kind=SELF, grade="good", published_on=date(2024, 5, 1))
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=audit, by=w.people.auditor_a)
    assert {"audit_period_start", "grade", "published_on"} <= set(refused.value.message_dict)
    assert not Inspection.objects.filter(pk=audit.pk or 0).exists()


# Services: every write refused outside the auditor's own self-audits ------------------------------------------------


def test_services_refuse_a_force_auditor_outside_their_own_self_audits(self_audits):
    w, auditor = self_audits, self_audits.people.auditor_a
    before = counts()
    refusals = [
        lambda: services.case_save(case=AuditedCase(inspection=w.own_b, reference="X-1", source="incident_log",
                                                     reported_at=w.case.reported_at), by=auditor),
        lambda: services.case_save(case=AuditedCase(inspection=w.inspection, reference="X-2", source="incident_log",
                                                    reported_at=w.case.reported_at), by=auditor),
        lambda: services.inspection_change_status(inspection=w.inspection, status=Status.FIELDWORK, by=auditor),
        lambda: services.inspection_change_status(inspection=w.own_b, status=Status.MODERATION, by=auditor),
        lambda: services.inspection_save(inspection=w.own_b, by=auditor),
        lambda: services.case_submit(case=w.case_sb, by=auditor),
        lambda: services.case_delete(case=w.case, by=auditor),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError, match="force auditor can change only|force auditor"):
            refuse()
    plan = plan_import(w.own_b, [])
    with pytest.raises(ValidationError):
        import_cases(plan, auditor)
    assert counts() == before
    # Force staff and managers write nothing, not even in their own force's self-audit.
    for who in (w.people.staff_a, w.people.manager):
        with pytest.raises(ValidationError, match="Only inspectors"):
            services.case_submit(case=w.case_sa, by=who)


def test_a_second_force_auditor_moderates_never_the_author(self_audits):
    w = self_audits
    case = services.case_submit(case=w.case_sa, by=w.people.auditor_a)
    with pytest.raises(ValidationError, match="never by its own author"):
        services.case_agree(case=case, by=w.people.auditor_a)
    with pytest.raises(ValidationError):
        services.case_agree(case=case, by=w.people.auditor_b)  # another force's auditor
    case = services.case_agree(case=case, by=w.people.auditor_a2)
    assert case.moderation_state == AuditedCase.Moderation.AGREED and case.moderated_by == w.people.auditor_a2


# The lifecycle: planned → fieldwork → moderation → closed, never published ----------------------------------------


def close(audit, people):
    for case in audit.cases.all():
        services.case_submit(case=case, by=case.auditor or people.auditor_a)
        services.case_agree(case=case, by=people.auditor_a2 if case.auditor != people.auditor_a2 else people.auditor_a)
    services.inspection_change_status(inspection=audit, status=Status.MODERATION, by=people.auditor_a)
    return services.inspection_change_status(inspection=audit, status=Status.CLOSED, by=people.auditor_a)


def test_a_self_audit_closes_locks_and_is_never_published(self_audits):
    w, people = self_audits, self_audits.people
    with pytest.raises(ValidationError, match="never published|cannot move"):
        services.inspection_change_status(inspection=w.own_a, status=Status.PUBLISHED, by=people.inspector)
    services.inspection_change_status(inspection=w.own_a, status=Status.MODERATION, by=people.auditor_a)
    with pytest.raises(ValidationError, match="not yet agreed"):
        services.inspection_change_status(inspection=w.own_a, status=Status.CLOSED, by=people.auditor_a)
    services.case_submit(case=w.case_sa, by=people.auditor_a)
    services.case_agree(case=w.case_sa, by=people.auditor_a2)
    closed = services.inspection_change_status(inspection=w.own_a, status=Status.CLOSED, by=people.auditor_a)
    assert closed.status == Status.CLOSED and closed.is_locked
    assert not ResultVersion.objects.filter(inspection=closed).exists()
    with pytest.raises(ValidationError, match="self-audit is closed"):
        services.case_delete(case=w.case_sa, by=people.inspector)
    with pytest.raises(ValidationError, match="Say why the closed self-audit"):
        services.inspection_change_status(inspection=closed, status=Status.MODERATION, by=people.auditor_a)
    # An inspection never closes.
    with pytest.raises(ValidationError, match="cannot move"):
        services.inspection_change_status(inspection=w.inspection, status=Status.CLOSED, by=people.inspector)


def test_closing_tells_the_forces_auditors_and_staff_and_the_inspectors_only(self_audits):
    w, people = self_audits, self_audits.people
    close(w.own_a, people)
    told = set(Notification.objects.filter(event=Notification.Event.SELF_AUDIT_CLOSED)
               .values_list("recipient__username", flat=True))
    assert told == {"auditor-a", "auditor-a2", "staff-a", "insp", "insp2"}


# Never in national figures, league tables, the public pages or the published-results API ---------------------------


def test_a_closed_self_audit_appears_in_no_national_figure_league_or_public_page(self_audits, client_for, client):
    w, people = self_audits, self_audits.people
    own = InspectionFactory(force=w.forces.b, kind=SELF, audit_period_start=date(2024, 4, 1),
                            audit_period_end=date(2024, 4, 30))
    for n in range(3):
        CrimeFactory(case=CaseFactory(inspection=own, reference=f"GLO-OWN-{n}", auditor=people.auditor_b))
    own.cases.update(moderation_state="agreed")
    services.inspection_change_status(inspection=own, status=Status.MODERATION, by=people.auditor_b)
    services.inspection_change_status(inspection=own, status=Status.CLOSED, by=people.auditor_b)
    marker = "own audit"
    pages = [reverse("reports:overview") + "?include=provisional", reverse("reports:league"),
             reverse("reports:league_csv"), reverse("reports:force", args=[w.forces.b.slug]) + "?include=provisional",
             reverse("reports:overview_export", args=["csv"]) + "?include=provisional"]
    for who in (people.inspector, people.auditor_b, people.manager):
        for url in pages:
            response = client_for(who).get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 200 and marker not in body.decode(), (who, url)
    for url in [reverse("reports:public"), reverse("reports:public_force", args=[w.forces.b.slug]),
                reverse("reports:public_csv")]:
        body = client.get(url)
        content = b"".join(body.streaming_content) if body.streaming else body.content
        assert marker not in content.decode(), url
    results = api(people.inspector).get(reverse("api:published-result-list") + "?include=provisional").json()
    assert all(row["inspection"] != own.pk for row in results["results"])
    assert api(people.inspector).get(reverse("api:inspection-results", args=[own.pk])).status_code == 404
    assert not ResultVersion.objects.filter(inspection=own).exists()


# The API: same scoping, a kind filter, writes only in the auditor's own self-audits --------------------------------


def test_the_api_gives_a_force_auditor_their_own_self_audits_only(self_audits):
    w = self_audits
    client = api(w.people.auditor_a)
    listed = client.get(reverse("api:inspection-list") + f"?kind={SELF}").json()["results"]
    assert [row["id"] for row in listed] == [w.own_a.pk]
    before = counts()
    assert client.get(reverse("api:inspection-detail", args=[w.own_b.pk])).status_code == 404
    assert client.get(reverse("api:inspection-detail", args=[w.inspection.pk])).status_code == 404
    assert client.get(reverse("api:case-detail", args=[w.case.pk])).status_code == 404
    assert client.patch(reverse("api:inspection-detail", args=[w.published_a.pk]), {"notes": "x"},
                        format="json").status_code == 403
    payload = {"reference": "API-SA-1", "source": "incident_log", "reported_at": "2024-03-02T09:00:00Z",
               "crimes": [{"expected_offence": "Violence with injury", "recorded_offence": "Violence with injury",
                           "recorded_at": "2024-03-02T10:00:00Z"}]}
    assert client.post(reverse("api:inspection-case-list", args=[w.published_a.pk]), payload,
                       format="json").status_code == 403
    assert client.post(reverse("api:inspection-case-list", args=[w.own_b.pk]), payload,
                       format="json").status_code == 404
    assert counts() == before
    assert client.post(reverse("api:inspection-case-list", args=[w.own_a.pk]), payload,
                       format="json").status_code == 201


# The p-chart ---------------------------------------------------------------------------------------------------------


def test_p_chart_limits_agree_with_the_textbook_formula_on_a_worked_example():
    # 70 of 100 and 170 of 200 recorded: p̄ = 240/300 = 0.8.
    p_bar, (first, second) = p_chart([(70, 100), (170, 200)])
    assert p_bar == pytest.approx(0.8)
    # n = 100: √(0.8·0.2/100) = 0.04; 0.8 ± 1.96·0.04 = 0.7216 to 0.8784; 0.8 ± 3.09·0.04 = 0.6764 to 0.9236.
    assert (first.low_95, first.high_95) == pytest.approx((0.7216, 0.8784))
    assert (first.low_998, first.high_998) == pytest.approx((0.6764, 0.9236))
    # n = 200: √(0.16/200) = 0.0282843; ± 0.0554372 and ± 0.0873984.
    assert (second.low_95, second.high_95) == pytest.approx((0.7445628, 0.8554372))
    assert (second.low_998, second.high_998) == pytest.approx((0.7126016, 0.8873984))
    # 0.70 lies below the 95% limits but within the 99.8% ones; 0.85 within both.
    assert first.outside_95 and not first.outside_998 and first.signal == "below_95"
    assert not second.outside_95 and second.signal == ""
    # Clipped to [0, 1]: p̄ = 0.95, n = 10, z = 3.09 gives 0.95 ± 0.21296, so at most 100%.
    low, high = p_chart_limits(0.95, 10, 3.09)
    assert low == pytest.approx(0.95 - 3.09 * math.sqrt(0.95 * 0.05 / 10)) and high == 1.0
    assert p_chart([(0, 0)]) == (None, [None])


# Force against the inspectorate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("force,inspectorate,statement", [
    ((95, 100), (80, 100), OVER_STATES),
    ((84, 100), (80, 100), AGREES),
    ((70, 100), (90, 100), UNDER_STATES),
])
def test_the_comparison_says_which_way_the_force_differs(force, inspectorate, statement):
    result = agreement(*force, *inspectorate)
    assert result.statement == statement
    p1, p2 = force[0] / 100, inspectorate[0] / 100
    half = 1.96 * math.sqrt(p1 * (1 - p1) / 100 + p2 * (1 - p2) / 100)
    assert result.interval == pytest.approx((p1 - p2 - half, p1 - p2 + half), abs=1e-4)


def audit_with(force, kind, start, end, recorded, audited, prefix, auditor=None):
    audit = InspectionFactory(force=force, kind=kind, audit_period_start=start, audit_period_end=end,
                              status=Status.MODERATION)
    for n in range(audited):
        case = CaseFactory(inspection=audit, reference=f"{prefix}-{n:03d}", auditor=auditor,
                           moderation_state="agreed")
        if n < recorded:
            CrimeFactory(case=case)
        else:
            ErrorFactory(crime__case=case, kind="not_recorded", crime__safeguarding="not_known")
    return audit


@pytest.mark.parametrize("own,statement", [(38, "over-state compliance"), (30, "agree with the inspectorate")])
def test_the_comparison_page_shows_the_statement(self_audits, client_for, own, statement):
    w = self_audits
    audit = audit_with(w.forces.b, SELF, date(2024, 2, 1), date(2024, 2, 29), own, 40, "GLO-M2")
    Inspection.objects.filter(pk=audit.pk).update(status=Status.CLOSED)
    inspection = audit_with(w.forces.b, Inspection.Kind.CDI, date(2024, 1, 1), date(2024, 3, 31), 28, 40, "GLO-I")
    publish(inspection)
    for who in (w.people.auditor_b, w.people.inspector, w.people.manager):
        response = client_for(who).get(reverse("reports:self_audit_comparison", args=[w.forces.b.slug]))
        assert response.status_code == 200
        assert statement in response.content.decode().replace("&#x27;", "'"), who


# Query counts fixed on the new pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports:self_audit_series", "reports:self_audit_comparison"])
def test_the_new_pages_read_a_fixed_number_of_queries(self_audits, client_for, django_assert_num_queries, name):
    w = self_audits
    client = client_for(w.people.auditor_b)
    inspection = audit_with(w.forces.b, Inspection.Kind.CDI, date(2023, 1, 1), date(2023, 12, 31), 8, 10, "GLO-Q")
    publish(inspection)

    def month(n):
        audit = audit_with(w.forces.b, SELF, date(2023, n, 1), date(2023, n, 28), 4, 5, f"GLO-Q{n}")
        Inspection.objects.filter(pk=audit.pk).update(status=Status.CLOSED)

    month(1)
    url = reverse(name, args=[w.forces.b.slug])
    client.get(url)  # the session and the user's role, once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(2, 7):
        month(n)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200 and "June 2023" in response.content.decode()
