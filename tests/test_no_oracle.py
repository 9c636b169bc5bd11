"""No oracle, by construction: every filter of every API list and every list page that takes an id or a slug
is built on the user's scoped queryset, so that another force's id gives exactly the answer an id that does
not exist gives. The walk is generated: every list the API router registers, every FilterSet the project
defines (a new one must be listed here with its page) and every filter in them whose field leads to a scoped
model."""

import re
from types import SimpleNamespace

import django_filters
import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.test import APIClient

import audits.filters
import forces.api
import forces.filters
import recommendations.filters
from audits.models import AuditedCase, Inspection
from config.api_urls import router
from recommendations.models import Finding
from tests.factories import CaseFactory

PROJECT_APPS = ("audits", "forces", "recommendations", "reports", "search", "notifications", "config", "core")


def target(filterset_model, field_name):
    """(model, attribute) that a filter's value names, when the value is an id or a slug of a model; else
    None."""
    model, field = filterset_model, None
    for part in field_name.split("__"):
        if part == "pk":
            return model, "pk"
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model = field.related_model
            field = None
    if field is None:
        return model, "pk"
    if field.primary_key:
        return model, "pk"
    if isinstance(field, models.SlugField) or field.name == "slug":
        return model, field.name
    return None


def id_filters(filterset_class):
    """(query parameter, model, attribute) for every filter taking an id or a slug of a model."""
    found = []
    for name, declared in filterset_class.base_filters.items():
        if declared.method is not None and not isinstance(declared, django_filters.ModelChoiceFilter):
            continue
        hit = target(filterset_class._meta.model, declared.field_name)
        if hit is None and isinstance(declared, django_filters.ModelChoiceFilter) and not callable(declared.queryset):
            hit = (declared.queryset.model, getattr(declared, "extra", {}).get("to_field_name") or "pk")
        if hit is not None:
            found.append((name, *hit))
    return found


def foreign_and_missing(model, attribute, user):
    """A value naming a row the user may not see (None when every row is visible or the model is not scoped
    by force), and one naming no row at all."""
    if not hasattr(model.objects, "for_user"):
        return None, None
    hidden = model.objects.exclude(pk__in=model.objects.for_user(user).values("pk")).order_by("pk").first()
    if hidden is None:
        return None, None
    if attribute == "pk":
        return str(hidden.pk), str((model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000)
    return str(getattr(hidden, attribute)), "no-such-" + str(getattr(hidden, attribute))


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(response, parameter, value):
    """Status and body, with the value itself where the page echoes it (the filter's box, links carrying the
    query) and the per-response CSRF token left out."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content = CSRF.sub(b"csrf", content)
    name, quoted = re.escape(f'name="{parameter}"').encode(), re.escape(f'value="{value}"').encode()
    content = re.sub(b"(" + name + b"[^>]*?)" + quoted, rb"\1ECHO", content)
    content = re.sub(quoted + b"([^>]*?" + name + b")", rb"ECHO\1", content)
    content = re.sub(re.escape(f"{parameter}={value}").encode() + rb"\b", b"ECHO", content)
    if response["Content-Type"].startswith("application/json"):
        content = content.replace(f'"{value}"'.encode(), b"ECHO")
    return response.status_code, content


def all_project_filtersets():
    found, stack = set(), [django_filters.FilterSet]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in PROJECT_APPS:
                found.add(sub)
    return found


def api_lists(own):
    """(list URL, FilterSet class) for every list the router registers, nested lists under the user's own
    parent."""
    lists = []
    for prefix, viewset, basename in router.registry:
        if not hasattr(viewset, "list"):
            continue
        kwargs = {}
        if "inspection_pk" in prefix:
            kwargs["inspection_pk"] = own.inspection.pk
        if "finding_pk" in prefix:
            kwargs["finding_pk"] = own.finding.pk
        view = viewset(request=None, kwargs=kwargs, action="list", format_kwarg=None)
        model = view.get_serializer_class().Meta.model
        filterset = DjangoFilterBackend().get_filterset_class(view, model._default_manager.all())
        lists.append((reverse(f"api:{basename}-list", kwargs=kwargs), filterset, prefix))
    return lists


def page_lists(own):
    """Every page and export listing through a FilterSet."""
    inspection = own.inspection.pk
    return [
        (reverse("audits:inspection", args=[inspection]), audits.filters.AuditedCaseFilter),
        (reverse("audits:inspection_cases_csv", args=[inspection]), audits.filters.AuditedCaseFilter),
        (reverse("audits:moderation"), audits.filters.ModerationFilter),
        (reverse("audits:challenges"), audits.filters.ChallengeFilter),
        (reverse("reports:overview"), audits.filters.InspectionFilter),
        (reverse("reports:overview_export", args=["csv"]), audits.filters.InspectionFilter),
        (reverse("recommendations:list"), recommendations.filters.FindingFilter),
        (reverse("recommendations:list_csv"), recommendations.filters.FindingFilter),
        (reverse("forces:list"), forces.filters.ForceFilter),
    ]


@pytest.fixture
def users(world):
    """Who may be shown only part of the data: staff of force A, a manager of force B only."""
    return [SimpleNamespace(user=world.people.staff_a, inspection=world.inspection, finding=world.finding),
            SimpleNamespace(user=world.people.manager_b, inspection=world.inspection_b, finding=world.finding_b)]


def test_every_filterset_of_the_project_is_walked(world, users):
    covered = {filterset for _, filterset, _ in api_lists(users[0])} | {f for _, f in page_lists(users[0])}
    assert all_project_filtersets() - covered == set()


def test_the_walk_finds_the_filters_that_take_ids(world):
    from audits.filters import PublishedResultFilter

    assert ("inspection_id", Inspection, "pk") in id_filters(PublishedResultFilter)
    assert {(name, model) for name, model, _ in id_filters(recommendations.filters.FindingFilter)} >= {
        ("force", forces.models.Force), ("inspection", Inspection)}
    assert ("force", forces.models.Force, "slug") in id_filters(forces.api.RecordedCrimeVolumeFilter)


def compare(get, url, filterset, user, checked, label):
    for parameter, model, attribute in id_filters(filterset):
        foreign, missing = foreign_and_missing(model, attribute, user)
        if foreign is None:
            continue
        checked.append((label, parameter))
        answer_foreign = normalised(get(url, {parameter: foreign}), parameter, foreign)
        answer_missing = normalised(get(url, {parameter: missing}), parameter, missing)
        assert answer_foreign == answer_missing, (label, url, parameter, user.username)


def test_another_forces_id_in_any_api_filter_answers_as_an_id_that_does_not_exist(world, users):
    checked = []
    for own in users:
        client = APIClient()
        client.force_authenticate(own.user)
        for url, filterset, prefix in api_lists(own):
            if filterset is not None:
                compare(client.get, url, filterset, own.user, checked, prefix)
    assert ("published-results", "inspection_id") in checked
    assert ("findings", "inspection") in checked and ("recorded-crime-volumes", "force") in checked


def test_another_forces_id_in_a_nested_api_list_answers_as_one_that_does_not_exist(world, users):
    client = APIClient()
    own, other = users
    client.force_authenticate(own.user)
    missing = Inspection.objects.order_by("-pk").first().pk + 1000
    missing_finding = Finding.objects.order_by("-pk").first().pk + 1000
    for prefix, viewset, basename in router.registry:
        if "inspection_pk" in prefix:
            foreign = client.get(reverse(f"api:{basename}-list", kwargs={"inspection_pk": other.inspection.pk}))
            absent = client.get(reverse(f"api:{basename}-list", kwargs={"inspection_pk": missing}))
        elif "finding_pk" in prefix:
            foreign = client.get(reverse(f"api:{basename}-list", kwargs={"finding_pk": other.finding.pk}))
            absent = client.get(reverse(f"api:{basename}-list", kwargs={"finding_pk": missing_finding}))
        else:
            continue
        assert (foreign.status_code, foreign.content) == (absent.status_code, absent.content), prefix


def test_another_forces_id_in_any_page_filter_answers_as_an_id_that_does_not_exist(world, users, client_for):
    CaseFactory(inspection=world.inspection_b, moderation_state=AuditedCase.Moderation.SUBMITTED)
    checked = []
    for own in users:
        client = client_for(own.user)
        for url, filterset in page_lists(own):
            compare(client.get, url, filterset, own.user, checked, url)
    assert any(parameter == "inspection" and "findings" in label for label, parameter in checked)
    assert any(parameter == "force" and "findings" in label for label, parameter in checked)
