"""Help where the numbers are: a short note beside each kind of statistic on the report pages, each linking to
the method page, which sets out the method in full and is linked from every report page."""

import pytest
from django.urls import reverse

from reports.guide import NOTES, method_sections
from reports.results import COUNTING_RULE
from reports.statistics import NORMAL_APPROXIMATION_RULE
from tests.factories import publish

pytestmark = pytest.mark.django_db

METHOD = reverse("reports:method")


def test_the_method_page_sets_out_every_section_to_a_signed_in_user(world, client_for):
    response = client_for(world.people.manager).get(METHOD)
    assert response.status_code == 200
    content = response.content.decode()
    assert "How the figures are worked out" in content
    for section in method_sections():
        assert f'id="method-{section.key}"' in content and f'href="#method-{section.key}"' in content
        assert section.heading.replace("“", "&ldquo;") in content or section.heading in content
    for rule in (COUNTING_RULE, NORMAL_APPROXIMATION_RULE):
        assert rule[:60] in content


def test_the_method_page_needs_a_sign_in(client):
    response = client.get(METHOD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("page, notes", [
    ("overview", {"margin", "small", "computed", "significant"}),
    ("force", {"margin", "significant", "computed", "unrecorded"}),
    ("inspection", {"margin", "small", "computed", "unrecorded"}),
])
def test_each_report_page_explains_its_statistics_and_links_the_method(world, client_for, page, notes):
    publish(world.inspection_b)
    url = {"overview": reverse("reports:overview"),
           "force": reverse("reports:force", args=[world.forces.b.slug]),
           "inspection": reverse("reports:inspection", args=[world.inspection_b.pk])}[page]
    content = client_for(world.people.manager).get(url).content.decode()
    assert f'href="{METHOD}"' in content and "How these figures are worked out" in content
    for key in notes:
        note = NOTES[key]
        assert f'data-testid="help-{key}"' in content, key
        assert note.text[:50] in content.replace("&#x27;", "'").replace("&quot;", '"'), key
    assert content.count('<details class="govuk-details app-help"') >= len(notes)
    assert f'{METHOD}#method-' in content
