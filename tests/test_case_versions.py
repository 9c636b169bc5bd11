"""No lost updates on cases: every save of a case makes one new version, and a save made from an
older version is refused with who changed what, writing nothing."""

from unittest import mock

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services
from audits.models import AuditedCase, AuditedCrime, RecordingError
from audits.services.challenges import challenge_resolve
from tests.test_admin_entry import case_form

pytestmark = pytest.mark.django_db


def change_url(case):
    return reverse("admin:audits_auditedcase_change", args=[case.pk])


def loaded_version(client, case):
    """Open the case's change form, as an inspector would, and return the version it carries."""
    return client.get(change_url(case)).context["adminform"].form["version"].value()


def change_form_data(case, version, errors=None, **changes):
    """The change form as loaded from the database now, with the version the user opened and any
    changes; ``errors`` maps a crime's position to the error kinds ticked for it."""
    data = case_form(case.inspection, [], reference=case.reference, source=case.source, notes=case.notes,
                     version=version)
    crimes = list(case.crimes.order_by("id"))
    data.update({"crimes-TOTAL_FORMS": str(len(crimes)), "crimes-INITIAL_FORMS": str(len(crimes))})
    for i, crime in enumerate(crimes):
        recorded_at = crime.recorded_at.astimezone() if crime.recorded_at else None
        data.update({f"crimes-{i}-id": crime.pk, f"crimes-{i}-case": case.pk,
                     f"crimes-{i}-expected_offence": crime.expected_offence_id,
                     f"crimes-{i}-recorded_offence": crime.recorded_offence_id or "",
                     f"crimes-{i}-recorded_at": recorded_at.strftime("%d/%m/%Y %H:%M") if recorded_at else "",
                     f"crimes-{i}-safeguarding": crime.safeguarding,
                     f"crimes-{i}-error_kinds": list(crime.errors.values_list("kind", flat=True))})
    for i, kinds in (errors or {}).items():
        data[f"crimes-{i}-error_kinds"] = kinds
    data.update(changes)
    return data


def snapshot(case):
    case = AuditedCase.objects.get(pk=case.pk)
    errors = sorted(RecordingError.objects.filter(crime__case=case).values_list("crime_id", "kind"))
    return case.version, case.notes, case.source, AuditedCrime.objects.filter(case=case).count(), errors


# Through the admin -------------------------------------------------------------------------------


def test_second_inspectors_stale_admin_save_is_refused_and_the_first_ones_changes_stay(world, client_for):
    first, second = client_for(world.people.inspector), client_for(world.people.inspector2)
    case = world.case
    seen_by_first, seen_by_second = loaded_version(first, case), loaded_version(second, case)
    assert seen_by_first == seen_by_second == 1
    stale_form = change_form_data(case, seen_by_second, source="crime_bureau")

    # The first adds a note and a recording error (the correctly recorded crime was in fact misclassified).
    response = first.post(change_url(case), change_form_data(case, seen_by_first, errors={0: ["misclassified"]},
                                                             notes="Checked against CAD 123"))
    assert response.status_code == 302, response.content.decode()[:3000]
    after_first = snapshot(case)
    assert after_first[:3] == (2, "Checked against CAD 123", "incident_log")  # one save, one new version
    assert (world.recorded.pk, "misclassified") in after_first[4]

    # The second saves the form it opened before that.
    response = second.post(change_url(case), stale_form)
    assert response.status_code == 200
    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert message.startswith("Case TVP-A-0001 was changed by insp at ")
    assert "(notes, recording errors) after you opened it." in message
    assert "Your changes were not saved: reload the case to see theirs." in message
    assert message in response.content.decode()
    assert snapshot(case) == after_first  # their note and error kept, the second's source change absent


def test_a_save_from_the_current_version_goes_through_and_makes_one_version(world, client_for):
    client = client_for(world.people.inspector)
    version = loaded_version(client, world.case)
    response = client.post(change_url(world.case), change_form_data(world.case, version, notes="One",
                                                                     errors={0: ["misclassified"]}))
    assert response.status_code == 302
    assert snapshot(world.case)[:2] == (version + 1, "One")
    response = client.post(change_url(world.case), change_form_data(world.case, version + 1, notes="Two"))
    assert response.status_code == 302 and snapshot(world.case)[:2] == (version + 2, "Two")


def test_a_change_form_without_a_version_is_refused(world, client_for):
    data = change_form_data(world.case, "", notes="Who knows")
    response = client_for(world.people.inspector).post(change_url(world.case), data)
    assert response.status_code == 200
    assert "does not say which version of the case you opened" in response.content.decode()
    assert snapshot(world.case)[:2] == (1, "")


def test_the_add_form_has_no_version(world, client_for):
    form = client_for(world.people.inspector).get(reverse("admin:audits_auditedcase_add")).context["adminform"].form
    assert "version" not in form.fields


def test_a_save_that_wins_the_race_after_the_form_check_is_still_refused_without_a_500(world, client_for):
    """Another save lands between the form's (unlocked) check and the service's check under the row
    lock: the service refuses, the submission rolls back and the form comes back with the message."""
    client = client_for(world.people.inspector2)
    stale_form = change_form_data(world.case, loaded_version(client, world.case), notes="Stale")
    stale_form["crimes-0-DELETE"] = "on"
    case = AuditedCase.objects.get(pk=world.case.pk)
    case.notes = "Fresh"
    services.case_save(case=case, by=world.people.inspector, expected_version=1)
    before = snapshot(world.case)
    with mock.patch("audits.forms.case_conflict", return_value=None):  # the form's check misses it
        response = client.post(change_url(world.case), stale_form)
    assert response.status_code == 200
    assert "Case TVP-A-0001 was changed by insp at " in response.content.decode()
    assert snapshot(world.case) == before


def test_moderation_actions_still_work_and_each_makes_a_version(world, client_for):
    changelist = reverse("admin:audits_auditedcase_changelist")
    client_for(world.people.inspector).post(changelist, {"action": "submit_cases", "_selected_action": [world.case.pk]})
    assert snapshot(world.case)[0] == 2
    client_for(world.people.inspector2).post(changelist, {"action": "query_cases", "_selected_action": [world.case.pk],
                                                          "reason": "Check the second crime"})
    case = AuditedCase.objects.get(pk=world.case.pk)
    assert (case.moderation_state, case.version) == ("queried", 3)
    services.case_submit(case=case, by=world.people.inspector)
    case = services.case_agree(case=case, by=world.people.inspector2)
    assert (case.moderation_state, AuditedCase.objects.get(pk=case.pk).version) == ("agreed", 5)


# In the services ---------------------------------------------------------------------------------


def test_case_save_with_a_stale_version_raises_and_writes_nothing(world):
    first = AuditedCase.objects.get(pk=world.case.pk)
    first.notes = "First"
    services.case_save(case=first, by=world.people.inspector2, expected_version=1)
    before = snapshot(world.case)
    stale = AuditedCase.objects.get(pk=world.case.pk)
    stale.notes, stale.source = "Second", "crime_bureau"
    with pytest.raises(services.CaseConflict) as conflict:
        services.case_save(case=stale, by=world.people.inspector, expected_version=1)
    assert snapshot(world.case) == before
    [change] = conflict.value.changes
    assert (change.version, change.by, change.changed) == (2, "insp2", ("notes",))
    assert "Case TVP-A-0001 was changed by insp2 at " in conflict.value.message
    assert "(notes) after you opened it." in conflict.value.message


def test_case_write_with_a_stale_version_raises_and_writes_nothing(world):
    services.case_write(case=AuditedCase.objects.get(pk=world.case.pk), by=world.people.inspector2,
                        crimes=[(world.recorded, [])], expected_version=1)
    before = snapshot(world.case)
    assert before[0] == 2 and before[3] == 1  # one version for the case and its crimes
    with pytest.raises(services.CaseConflict) as conflict:
        services.case_write(case=AuditedCase.objects.get(pk=world.case.pk), by=world.people.inspector,
                            crimes=[(AuditedCrime.objects.get(pk=world.recorded.pk), ["misclassified"])],
                            expected_version=1)
    assert snapshot(world.case) == before
    assert conflict.value.changes[0].changed == ("crimes", "recording errors")


def test_internal_writes_skip_the_check_but_still_make_a_version(world):
    case = services.case_write(case=AuditedCase.objects.get(pk=world.case.pk), by=world.people.inspector,
                               crimes=[(world.recorded, [])])
    assert AuditedCase.objects.get(pk=case.pk).version == 2


def test_conflict_lists_every_version_since_the_one_seen(world):
    services.case_submit(case=world.case, by=world.people.inspector)
    services.case_query(case=world.case, by=world.people.inspector2, reason="Why?")
    changes = services.case_changes_since(world.case.pk, 1)
    assert [(c.version, c.by, c.changed) for c in changes] == [(2, "insp", ("moderation",)),
                                                               (3, "insp2", ("moderation",))]
    assert services.case_conflict(world.case, 3) is None
    assert "changed by insp at" in services.case_conflict(world.case, 1).message


def test_withdrawing_a_challenged_error_makes_a_version(world):
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="withdrawn",
                      note="The log shows the crime was recorded.")
    [change] = services.case_changes_since(world.case.pk, 1)
    assert change.changed == ("recording errors",)


def test_deleting_a_case_is_recorded_as_a_version(world):
    case_id = world.case.pk
    services.case_delete(case=world.case, by=world.people.inspector)
    assert AuditedCase.history.filter(id=case_id).latest("history_date").version == 2


# Through the API ---------------------------------------------------------------------------------


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_update_with_a_stale_version_is_a_409_with_the_changes_and_writes_nothing(world):
    url = reverse("api:case-detail", args=[world.case.pk])
    first, second = as_user(world.people.inspector), as_user(world.people.inspector2)
    seen = second.get(url).json()["version"]
    response = first.patch(url, {"notes": "First", "version": first.get(url).json()["version"]}, format="json")
    assert response.status_code == 200 and response.json()["version"] == seen + 1
    before = snapshot(world.case)

    stale = second.patch(url, {"notes": "Second", "version": seen}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"].startswith("Case TVP-A-0001 was changed by insp at ")
    assert [(c["version"], c["by"], c["changed"]) for c in body["changes"]] == [(2, "insp", ["notes"])]
    assert snapshot(world.case) == before

    case = second.get(url).json()
    stale_put = second.put(url, {**case, "notes": "Second", "version": seen}, format="json")
    assert stale_put.status_code == 409 and snapshot(world.case) == before


def test_api_update_with_the_current_version_makes_one_version(world):
    api = as_user(world.people.inspector)
    url = reverse("api:case-detail", args=[world.case.pk])
    case = api.get(url).json()
    response = api.put(url, {**case, "notes": "Put"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == case["version"] + 1
    assert snapshot(world.case)[:2] == (case["version"] + 1, "Put")


@pytest.mark.parametrize("method", ["patch", "put"])
def test_api_update_without_a_version_is_a_400(world, method):
    api = as_user(world.people.inspector)
    url = reverse("api:case-detail", args=[world.case.pk])
    case = {name: value for name, value in api.get(url).json().items() if name != "version"}
    response = getattr(api, method)(url, {**case, "notes": "No version"}, format="json")
    assert response.status_code == 400 and response.json() == {"version": ["This field is required."]}
    assert snapshot(world.case)[:2] == (1, "")
