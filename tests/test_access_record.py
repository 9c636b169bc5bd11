"""The access record (audits.AccessRecord, audits/services/access.py): every read and export of an inspection's
cases, reports and evidence leaves one row (who, what, when, from where) with one INSERT; the record is
append-only, kept for CDI_ACCESS_RECORD_DAYS, and seen only by administrators in the admin, with filters and
a CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AccessRecord, AppendOnly
from forces.tokens import token_create

pytestmark = pytest.mark.django_db
Kind = AccessRecord.Kind


def reads(world):
    """Every kind of read and export: (url, kind, the inspection it names, who may read it)."""
    i, case, finding, evidence = world.inspection, world.case, world.finding, world.evidence
    return [
        (reverse("audits:inspection", args=[i.pk]), Kind.CASES, i.pk),
        (reverse("audits:case", args=[case.pk]), Kind.CASES, i.pk),
        (reverse("audits:cancellation_reviews", args=[i.pk]), Kind.CASES, i.pk),
        (reverse("audits:inspection_cases_csv", args=[i.pk]), Kind.EXPORT, i.pk),
        (reverse("audits:case_export", args=[i.pk, "xlsx"]), Kind.EXPORT, i.pk),
        (reverse("audits:case_export", args=[i.pk, "csv"]), Kind.EXPORT, i.pk),
        (reverse("audits:cancellation_review_export", args=[i.pk, "csv"]), Kind.EXPORT, i.pk),
        (reverse("reports:inspection", args=[i.pk]), Kind.REPORT, i.pk),
        (reverse("reports:inspection_export", args=[i.pk, "xlsx"]), Kind.EXPORT, i.pk),
        (reverse("reports:force", args=[world.forces.a.slug]), Kind.REPORT, None),
        (reverse("reports:force_export", args=[world.forces.a.slug, "csv"]) + "?table=trend", Kind.EXPORT, None),
        (reverse("reports:overview"), Kind.REPORT, None),
        (reverse("reports:overview_export", args=["csv"]), Kind.EXPORT, None),
        (reverse("recommendations:list_csv"), Kind.EXPORT, None),
        (reverse("recommendations:evidence", args=[finding.pk, evidence.pk]), Kind.EVIDENCE, i.pk),
        (f"/api/v1/inspections/{i.pk}/cases/", Kind.CASES, i.pk),
        (f"/api/v1/cases/{case.pk}/", Kind.CASES, i.pk),
        (f"/api/v1/inspections/{i.pk}/cancellation-reviews/", Kind.CASES, i.pk),
        (f"/api/v1/inspections/{i.pk}/cancellation-reviews/{world.cancellation_review.pk}/", Kind.CASES, i.pk),
    ]


def fetch(client, url, **extra):
    response = client.get(url, **extra)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("index", range(19))
def test_each_kind_of_read_and_export_leaves_one_row_with_one_insert(world, index):
    url, kind, inspection_id = reads(world)[index]
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(world.people.staff_a)
    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    assert response.status_code == 200, url
    record = AccessRecord.objects.get()
    assert (record.user, record.username, record.kind, record.inspection_id, record.path, record.ip_address) == (
        world.people.staff_a, "staff-a", kind, inspection_id, url, "10.1.2.3")
    assert abs(record.at - timezone.now()) < timedelta(minutes=1)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")
               and "access" in q["sql"].lower()]
    assert len(inserts) == 1


def test_reads_by_api_token_are_recorded_as_the_tokens_user(world):
    _, raw = token_create(user=world.people.inspector, name="script")
    client = APIClient(REMOTE_ADDR="10.9.9.9")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/cases/{world.case.pk}/").status_code == 200
    assert AccessRecord.objects.values_list("username", "kind", "ip_address").get() == ("insp", Kind.CASES,
                                                                                       "10.9.9.9")


def test_another_forces_reads_and_missing_objects_leave_no_row(world):
    client = Client()
    client.force_login(world.people.staff_b)
    for url, _, inspection_id in reads(world):
        if inspection_id is not None:
            assert fetch(client, url).status_code == 404, url
    assert fetch(client, reverse("audits:case_export", args=[world.inspection_b.pk, "pdf"])).status_code == 404
    assert not AccessRecord.objects.exists()


def test_the_address_behind_the_proxy_is_the_one_the_proxy_saw(world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client(REMOTE_ADDR="10.0.0.1")
    client.force_login(world.people.inspector)
    client.get(world.case.get_absolute_url(), HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    assert AccessRecord.objects.get().ip_address == "203.0.113.7"


def test_the_record_is_append_only(world):
    client = Client()
    client.force_login(world.people.inspector)
    client.get(world.case.get_absolute_url())
    record = AccessRecord.objects.get()
    record.username = "someone-else"
    with pytest.raises(AppendOnly):
        record.save()
    with pytest.raises(AppendOnly):
        record.delete()
    with pytest.raises(AppendOnly):
        AccessRecord.objects.filter(pk=record.pk).update(username="x")
    with pytest.raises(AppendOnly):
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.values_list("username", flat=True).get() == "insp"


def test_the_retention_command_deletes_only_what_is_older_than_the_setting(world, settings):
    settings.CDI_ACCESS_RECORD_DAYS = 30
    client = Client()
    client.force_login(world.people.inspector)
    for _ in range(3):
        client.get(world.case.get_absolute_url())
    old, edge, new = AccessRecord.objects.order_by("pk")
    now = timezone.now()
    # Moved back in time as an old row would be (bypassing the append-only model, as only a test may).
    from django.db.models import QuerySet
    QuerySet.update(AccessRecord.objects.filter(pk=old.pk), at=now - timedelta(days=31))
    QuerySet.update(AccessRecord.objects.filter(pk=edge.pk), at=now - timedelta(days=29))
    out = io.StringIO()
    call_command("prune_access_records", stdout=out)
    assert "Deleted 1 access record older than 30 days" in out.getvalue()
    assert set(AccessRecord.objects.values_list("pk", flat=True)) == {edge.pk, new.pk}


@pytest.fixture
def recorded(world):
    for user, url in [(world.people.staff_a, world.case.get_absolute_url()),
                      (world.people.inspector, reverse("reports:inspection", args=[world.inspection.pk])),
                      (world.people.staff_b, world.case_b.get_absolute_url()),
                      (world.people.inspector, reverse("audits:inspection_cases_csv", args=[world.inspection.pk]))]:
        client = Client()
        client.force_login(user)
        fetch(client, url)
    assert AccessRecord.objects.count() == 4
    return world


ADMIN_LIST = "/admin/audits/accessrecord/"
EXPORT = "/admin/audits/accessrecord/export.csv"


def test_only_administrators_see_the_record_in_the_admin(recorded):
    for who in ("inspector", "staff_a", "manager"):
        client = Client()
        client.force_login(getattr(recorded.people, who))
        assert client.get(ADMIN_LIST).status_code == 403, who
        assert client.get(EXPORT).status_code == 403, who
    client = Client()
    client.force_login(recorded.people.admin)
    page = client.get(ADMIN_LIST)
    assert page.status_code == 200
    assert page.content.decode().count('class="field-username"') == 4


def test_administrators_filter_by_user_inspection_kind_and_date(recorded):
    client = Client()
    client.force_login(recorded.people.admin)
    people, inspection = recorded.people, recorded.inspection

    def rows(query):
        page = client.get(ADMIN_LIST + query)
        assert page.status_code == 200, query
        return page.content.decode().count('class="field-username"')

    assert rows(f"?user__id__exact={people.inspector.pk}") == 2
    assert rows(f"?inspection__id__exact={inspection.pk}") == 3
    assert rows("?kind__exact=export") == 1
    today = timezone.localdate()
    assert rows(f"?at__year={today.year}&at__month={today.month}&at__day={today.day}") == 4
    assert rows(f"?at__year={today.year - 1}") == 0


def test_the_export_is_the_filtered_list_as_csv(recorded):
    client = Client()
    client.force_login(recorded.people.admin)
    response = client.get(EXPORT + f"?user__id__exact={recorded.people.inspector.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["at", "user", "kind"]
    assert sorted((r[1], r[2]) for r in rows[1:]) == [("insp", "Exported"), ("insp", "Viewed a report")]


def test_the_admin_cannot_add_change_or_delete_records(recorded):
    client = Client()
    client.force_login(recorded.people.admin)
    record = AccessRecord.objects.first()
    assert client.get(ADMIN_LIST + "add/").status_code == 403
    change = client.post(ADMIN_LIST + f"{record.pk}/change/", {"username": "x"})
    assert change.status_code == 403
    assert client.post(ADMIN_LIST + f"{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(ADMIN_LIST, {"action": "delete_selected", "_selected_action": [record.pk],
                                    "post": "yes"}).status_code in (200, 302)
    assert AccessRecord.objects.count() == 4
    assert AccessRecord.objects.get(pk=record.pk).username != "x"


def test_the_admin_list_makes_a_fixed_number_of_queries(recorded):
    client = Client()
    client.force_login(recorded.people.admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ADMIN_LIST).status_code == 200
        return len(queries)

    small = count()
    viewer = Client()
    viewer.force_login(recorded.people.inspector)
    for _ in range(20):
        viewer.get(recorded.case.get_absolute_url())
    assert count() == small
