"""Fast case entry in the admin: offences found by Home Office code or name, "Save and next case" keeping the
inspection from the add and the change form, and a new case started as a copy of the user's previous one."""

from datetime import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditedCase, OffenceCode, RecordingError, normalise_offence_code
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, offence
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


class FormValues(HTMLParser):
    """What a browser would post from the case form as the page shows it: each named field's shown value (the
    selected option, a checked box, an input's value), before the user changes anything."""

    def __init__(self, html):
        super().__init__()
        self.values, self.select, self.textarea = {}, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs.get("value", "on"))
            else:
                self.values[name] = [attrs.get("value", "")]
        elif tag == "select" and name:
            self.select = name if "disabled" not in attrs else None
            if self.select:
                self.values[name] = []
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = [attrs.get("value", "")]
        elif tag == "textarea" and name:
            self.textarea, self.values[name] = name, [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] = [self.values[self.textarea][0] + data]


CRIME_FIELDS = ["expected_offence", "recorded_offence", "recorded_at", "cancellation_code", "safeguarding",
                "domestic_abuse", "vulnerable_victim", "modern_slavery", "child_victim"]


def test_a_copied_case_carries_its_crimes_as_entered_but_never_references_or_errors(world, client_for):
    """Everything an inspector would type again comes with the copy, each crime's recorded offence, recorded time,
    cancellation and victim flags included; saved as shown with only the references typed, the new case's crimes
    are the previous one's, without their references or their recording errors."""
    inspector = world.people.inspector
    client = client_for(inspector)
    reported = timezone.make_aware(datetime(2024, 3, 5, 14, 30))
    previous = CaseFactory(inspection=world.inspection, reference="COPY-0001", auditor=inspector, reported_at=reported)
    CrimeFactory(case=previous, expected_offence=offence("Violence with injury"), force_crime_reference="CR-1",
                 recorded_offence=offence("Violence without injury"),
                 recorded_at=timezone.make_aware(datetime(2024, 3, 6, 9, 15)), cancellation_code="C2",
                 domestic_abuse=True, child_victim=True)
    unrecorded = CrimeFactory(case=previous, expected_offence=offence("Rape"), recorded_offence=None, recorded_at=None,
                              safeguarding="yes", vulnerable_victim=True, modern_slavery=True)
    ErrorFactory(crime=unrecorded, kind="not_recorded")

    page = copy_page(client, world.inspection)
    assert "not their recording errors" in page.content.decode()
    shown = FormValues(page.content.decode()).values
    assert shown["crimes-TOTAL_FORMS"] == ["2"] and shown["crimes-INITIAL_FORMS"] == ["0"]
    assert shown["crimes-0-recorded_at"] == ["06/03/2024 09:15"] and shown["crimes-0-cancellation_code"] == ["C2"]
    assert shown["crimes-1-safeguarding"] == ["yes"] and shown["crimes-1-recorded_offence"] == []
    assert shown["reference"] == [""] and shown["crimes-0-force_crime_reference"] == [""]
    assert "crimes-1-error_kinds" not in shown  # no error ticked

    # Posted as shown, with only what must be unique typed: each crime saved as the previous one's.
    data = {**shown, "reference": "COPY-0002", "crimes-0-force_crime_reference": "CR-2", "_save": "Save"}
    response = client.post(f"{ADD_CASE}?inspection={world.inspection.pk}&copy=previous", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    copy = AuditedCase.objects.get(reference="COPY-0002")
    assert (copy.source, copy.reported_at, copy.auditor) == (previous.source, reported, inspector)

    def crimes(case):
        return [{field: getattr(crime, field) for field in CRIME_FIELDS} for crime in case.crimes.order_by("pk")]

    assert crimes(copy) == crimes(previous)
    assert [crime.force_crime_reference for crime in copy.crimes.order_by("pk")] == ["CR-2", ""]
    assert not RecordingError.objects.filter(crime__case=copy).exists()  # errors are ticked afresh, never copied


@pytest.mark.parametrize("query", ["inspection=abc&copy=previous", "inspection=99999999999999999999&copy=previous",
                                   "inspection=&copy=previous", "copy=previous", "inspection=1&copy=everything"])
def test_a_bad_copy_request_is_a_blank_form(world, client_for, query):
    before = AuditedCase.objects.count()
    page = client_for(world.people.inspector).get(f"{ADD_CASE}?{query}")
    assert page.status_code == 200
    assert "Copied from case" not in page.content.decode()
    assert "source" not in page.context["adminform"].form.initial
    assert AuditedCase.objects.count() == before
