"""Administrators manage people: roles as groups, and a force for force staff."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from forces.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for, forces):
    return client_for(make_user("root", Role.ADMINISTRATOR, is_staff=True))


def user_form(user, groups, force=None):
    return {
        "username": user.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "is_staff": "", "groups": [g.pk for g in groups],
        "date_joined_0": "01/01/2024", "date_joined_1": "09:00",
        "membership-TOTAL_FORMS": "1", "membership-INITIAL_FORMS": "0", "membership-MIN_NUM_FORMS": "0",
        "membership-MAX_NUM_FORMS": "1", "membership-0-force": force.pk if force else "",
        "membership-0-user": user.pk,
    }


def test_force_staff_without_a_force_are_refused(admin_client, forces):
    user = make_user("new-staff", None)
    staff = Group.objects.get(name=Role.FORCE_STAFF.value)
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), user_form(user, [staff]))
    assert "Force staff must belong to a force" in response.content.decode()
    assert not get_user_model().objects.get(pk=user.pk).groups.exists()


def test_force_staff_with_a_force_are_saved(admin_client, forces):
    user = make_user("new-staff", None)
    staff = Group.objects.get(name=Role.FORCE_STAFF.value)
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]),
                                 user_form(user, [staff], forces.a))
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.membership.force == forces.a and user.groups.get() == staff


def test_inspectors_cannot_manage_people(client_for, forces):
    inspector = make_user("i", Role.INSPECTOR, is_staff=True)
    response = client_for(inspector).get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 403
