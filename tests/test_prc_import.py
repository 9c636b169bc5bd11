"""Importing the Home Office police recorded crime table: good files, bad files, nothing half-written."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from forces.models import RecordedCrimeVolume

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SAMPLE = (DATA / "prc_sample.csv").read_text()
HEADER = SAMPLE.splitlines()[0]


def volume(slug, end, category):
    return RecordedCrimeVolume.objects.get(force__slug=slug, period_end=end, category=category).count


@pytest.mark.parametrize("name", ["prc_sample.csv", "prc_sample.ods"])
def test_sample_file_gives_12_month_volumes_per_force_and_category(forces, name):
    call_command("import_prc", str(DATA / name), stdout=open("/dev/null", "w"))
    # Thames Valley: 36,000 non-fraud crimes a quarter in the sample; fraud and BTP rows dropped.
    assert volume("thames-valley", date(2017, 3, 31), "all_crime") == 4 * 36_000
    assert volume("thames-valley", date(2017, 6, 30), "violence_against_the_person") == 4 * (4320 + 5400)
    assert volume("thames-valley", date(2017, 6, 30), "rape") == 4 * 288
    assert volume("thames-valley", date(2017, 6, 30), "sexual_offences") == 4 * (288 + 432)
    assert volume("city-of-london", date(2017, 3, 31), "all_crime") == 4 * 1500  # "London, City of"
    # Five quarters give two 12-month periods; nothing for a period without four quarters.
    assert set(RecordedCrimeVolume.objects.values_list("period_end", flat=True)) == {date(2017, 3, 31),
                                                                                     date(2017, 6, 30)}


def test_importing_again_replaces_rather_than_duplicates(forces):
    for _ in range(2):
        call_command("import_prc", str(DATA / "prc_sample.csv"), stdout=open("/dev/null", "w"))
    assert RecordedCrimeVolume.objects.count() == 3 * 2 * 4


def bad_file(tmp_path, text, name="prc.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text,message", [
    (SAMPLE + "2017/18,1,Narnia,Assault with injury,Violence against the person,Violence with injury,8N,5\n",
     "Row 117: unknown force “Narnia”"),
    (SAMPLE + "2017/18,5,Thames Valley,Assault,Violence against the person,Violence with injury,8N,5\n",
     "Row 117: “2017/18” quarter “5” is not a financial year"),
    (SAMPLE + "2017/18,1,Thames Valley,Assault,Violence against the person,Violence with injury,8N,lots\n",
     "Row 117: number of offences “lots” is not a whole number"),
    (HEADER.replace("Force Name", "Force") + "\n", "The file has no column “Force Name”"),
    ("", "The file has no column “Financial Year”"),
])
def test_a_bad_file_names_the_problem_and_stores_nothing(forces, tmp_path, text, message):
    with pytest.raises(CommandError) as error:
        call_command("import_prc", bad_file(tmp_path, text))
    assert message in str(error.value)
    assert not RecordedCrimeVolume.objects.exists()


def test_only_csv_or_ods(forces, tmp_path):
    with pytest.raises(CommandError, match="expected a .csv or .ods file"):
        call_command("import_prc", bad_file(tmp_path, SAMPLE, "prc.xls"))


def test_upload_page_imports_and_reports_problems(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("forces:prc_upload")
    bad = SimpleUploadedFile("prc.csv", (SAMPLE + "2017/18,1,Narnia,X,Robbery,Robbery,1,5\n").encode())
    response = client.post(url, {"file": bad})
    assert "Nothing was imported" in response.content.decode() and "unknown force “Narnia”" in response.content.decode()
    assert not RecordedCrimeVolume.objects.exists()
    wrong_type = client.post(url, {"file": SimpleUploadedFile("prc.pdf", b"%PDF")})
    assert "Choose a .csv or .ods file." in wrong_type.content.decode()
    good = SimpleUploadedFile("prc.csv", SAMPLE.encode())
    response = client.post(url, {"file": good, "source": "Sample release"}, follow=True)
    assert "24 12-month volumes stored" in response.content.decode()
    assert set(RecordedCrimeVolume.objects.values_list("source", flat=True)) == {"Sample release"}


# A recorded-crime CSV saved in another encoding used to fail with a 500 (it bypassed the shared reader).
NOT_UTF8 = [
    pytest.param((SAMPLE + "2017/18,1,Thames Valley,Agression signalée,Violence against the person,"
                  "Violence with injury,8N,5\n").encode("latin-1"), id="latin-1"),
    pytest.param(SAMPLE.encode("utf-16"), id="utf-16"),
]


@pytest.mark.parametrize("data", NOT_UTF8)
def test_the_command_refuses_a_csv_that_is_not_utf8_and_stores_nothing(forces, tmp_path, data):
    path = tmp_path / "prc.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="Nothing was imported:\n  The CSV file is not UTF-8 text"):
        call_command("import_prc", str(path))
    assert not RecordedCrimeVolume.objects.exists()


@pytest.mark.parametrize("data", NOT_UTF8)
def test_the_upload_page_refuses_a_csv_that_is_not_utf8_and_stores_nothing(world, client_for, data):
    response = client_for(world.people.inspector).post(reverse("forces:prc_upload"),
                                                       {"file": SimpleUploadedFile("prc.csv", data)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page and "The CSV file is not UTF-8 text" in page
    assert not RecordedCrimeVolume.objects.exists()


def test_a_file_that_is_not_an_ods_workbook_is_refused_by_name(forces, tmp_path):
    path = tmp_path / "prc.ods"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="not a readable .ods workbook"):
        call_command("import_prc", str(path))
    assert not RecordedCrimeVolume.objects.exists()
