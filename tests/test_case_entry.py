"""Fast case entry in the admin: offences found by Home Office code or name, "Save and next case" keeping the
inspection from the add and the change form, and a new case started as a copy of the user's previous one."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditedCase, OffenceCode, normalise_offence_code
from tests.factories import CaseFactory, CrimeFactory, offence
from tests.test_admin_entry import ADD_CASE, case_form

pytestmark = pytest.mark.django_db


def offences_found(client, term, field="expected_offence"):
    answer = client.get(reverse("admin:autocomplete"), {"app_label": "audits", "model_name": "auditedcrime",
                                                        "field_name": field, "term": term})
    assert answer.status_code == 200
    return [result["text"] for result in answer.json()["results"]]


@pytest.mark.parametrize("term,found", [
    ("8N", ["Violence with injury — 8N Assault with injury"]),
    ("8n", ["Violence with injury — 8N Assault with injury"]),
    (" 008N ", ["Violence with injury — 8N Assault with injury"]),
    ("105a", ["Violence without injury — 105A Assault without injury"]),
    ("105", ["Violence without injury — 105A Assault without injury"]),  # the codes it begins: 105A, 105B
    ("4/1", ["Homicide — 4.1 Manslaughter"]),
    ("4.1", ["Homicide — 4.1 Manslaughter"]),
    ("1/1", ["Homicide — 1 Murder"]),  # no subclass 1/1 listed: its class, 1 Murder
    ("1/", ["Homicide — 1 Murder"]),  # on the way to 1/1
    ("19C", ["Rape — 19C Rape of a female aged 16 and over"]),
    ("rape", ["Rape"]),  # found by its name: the name alone
    ("shoplifting", ["Shoplifting"]),
    ("murder", ["Homicide — 1 Murder", "Violence with injury — 2 Attempted murder",  # by codes' descriptions
                "Violence without injury — 3A Conspiracy to murder"]),
    ("theft", ["All other theft offences", "Bicycle theft", "Non-residential burglary",  # the group's name
               "Residential burglary", "Shoplifting", "Theft from the person", "Vehicle offences — 45 Theft from a vehicle"]),
])
def test_an_offence_is_found_by_its_home_office_code_or_name(world, client_for, term, found):
    client = client_for(world.people.inspector)
    assert offences_found(client, term) == found
    assert offences_found(client, term, "recorded_offence") == found


@pytest.mark.parametrize("term", ["ZZ9", "8N8N", "1/1/1/1", "%", "_", "'; drop table", "x" * 500])
def test_a_term_naming_no_offence_finds_nothing_and_nothing_breaks(world, client_for, term):
    assert offences_found(client_for(world.people.inspector), term) == []


def test_a_nul_in_the_term_is_refused_by_the_middleware(world, client_for):
    answer = client_for(world.people.inspector).get(reverse("admin:autocomplete"), {
        "app_label": "audits", "model_name": "auditedcrime", "field_name": "expected_offence", "term": "8N\x00"})
    assert answer.status_code == 400


def test_codes_are_stored_as_one_spelling():
    assert [normalise_offence_code(code) for code in ["8n", "008N", "4/1", "004/01", " 4.10 ", "105A"]] == [
        "8N", "8N", "4.1", "4.1", "4.10", "105A"]
    assert OffenceCode.objects.get(code="8N").subgroup == offence("Violence with injury")
    assert OffenceCode.objects.count() >= 100


def test_save_and_next_from_a_change_form_opens_a_new_case_in_the_same_inspection(world, client_for):
    client = client_for(world.people.inspector)
    case = CaseFactory(inspection=world.inspection, reference="NEXT-0001", auditor=world.people.inspector)
    change = reverse("admin:audits_auditedcase_change", args=[case.pk])
    data = case_form(world.inspection, [], reference="NEXT-0001", outcome="no_crime",
                     outcome_reason="Nothing disclosed", version=case.version, _addanother="1")
    response = client.post(change, data)  # opened from the case list: no inspection in its address
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"{ADD_CASE}?inspection={world.inspection.pk}"  # one query string, once
    assert client.get(response["Location"]).context["adminform"].form.initial["inspection"] == str(
        world.inspection.pk)


def test_save_and_next_is_the_forms_first_and_default_button(world, client_for):
    page = client_for(world.people.inspector).get(f"{ADD_CASE}?inspection={world.inspection.pk}").content.decode()
    row = page[page.index('class="submit-row"'):]
    assert row.index('value="Save and next case" class="default" name="_addanother"') < row.index('name="_save"')
    assert 'tabindex="1' not in page and "tabindex='1" not in page  # no positive tab index anywhere


def copy_page(client, inspection):
    return client.get(f"{ADD_CASE}?inspection={inspection.pk}&copy=previous")


def test_copy_the_previous_case_prefills_what_repeats_and_never_the_reference(world, client_for):
    inspector = world.people.inspector
    client = client_for(inspector)
    previous = CaseFactory(inspection=world.inspection, reference="COPY-0001", auditor=inspector,
                           source="crime_bureau", third_party_report=True, equality_information="yes",
                           reported_at=timezone.make_aware(datetime(2024, 3, 5, 14, 30)))
    CrimeFactory(case=previous, expected_offence=offence("Rape"))
    CrimeFactory(case=previous, expected_offence=offence("Violence with injury"), force_crime_reference="CR-9")
    blank = client.get(f"{ADD_CASE}?inspection={world.inspection.pk}").content.decode()
    assert f'href="{ADD_CASE}?inspection={world.inspection.pk}&amp;copy=previous">Copy the previous case' in blank

    page = copy_page(client, world.inspection)
    form = page.context["adminform"].form
    assert form.initial["source"] == "crime_bureau" and form.initial["third_party_report"] is True
    assert form.initial["equality_information"] == "yes"
    assert form.initial["reported_at"] == previous.reported_at
    assert "reference" not in form.initial and "copy" not in form.initial
    crimes = page.context["inline_admin_formsets"][0].formset
    assert [f.initial.get("expected_offence") for f in crimes.forms] == [
        offence("Rape").pk, offence("Violence with injury").pk]
    assert all(not f.initial.get("force_crime_reference") for f in crimes.forms)
    assert "Copied from case COPY-0001" in page.content.decode()

    # Saved with "Save and next case", the next case is a copy too (until "Start a blank case instead").
    data = case_form(world.inspection, [{"expected": "Rape"}], reference="COPY-0002", _addanother="1")
    response = client.post(f"{ADD_CASE}?inspection={world.inspection.pk}&copy=previous", data)
    assert response["Location"] == f"{ADD_CASE}?inspection={world.inspection.pk}&copy=previous"
    assert "Copied from case COPY-0002" in client.get(response["Location"]).content.decode()


def test_only_ones_own_last_case_in_that_inspection_is_copied(world, client_for):
    CaseFactory(inspection=world.inspection, reference="THEIRS", auditor=world.people.inspector2,
                source="crime_bureau")
    client = client_for(world.people.inspector)
    mine = copy_page(client, world.inspection)
    assert "Copied from case TVP-A-0001" in mine.content.decode()  # the world's case, not the other inspector's
    # Nothing of one's own in force B's inspection: no copy offered, nothing prefilled.
    page = copy_page(client, world.inspection_b)
    assert "Copied from case" not in page.content.decode() and "Copy the previous case" not in page.content.decode()
    assert "source" not in page.context["adminform"].form.initial


@pytest.mark.parametrize("query", ["inspection=abc&copy=previous", "inspection=99999999999999999999&copy=previous",
                                   "inspection=&copy=previous", "copy=previous", "inspection=1&copy=everything"])
def test_a_bad_copy_request_is_a_blank_form(world, client_for, query):
    before = AuditedCase.objects.count()
    page = client_for(world.people.inspector).get(f"{ADD_CASE}?{query}")
    assert page.status_code == 200
    assert "Copied from case" not in page.content.decode()
    assert "source" not in page.context["adminform"].form.initial
    assert AuditedCase.objects.count() == before
