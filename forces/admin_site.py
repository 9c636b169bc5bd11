"""The admin is the inspectors' and administrators' data-entry tool.

Signed-in users without that role get 403 rather than a second sign-in form, and an object outside
the user's scope answers 404 (Django's default redirects with a message naming the id).
"""

from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from forces.roles import AUDIT_WRITERS, role_of


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Django's look-up answers, each labelled by its model admin's ``autocomplete_label(obj, term)`` where it
    has one (an offence found by its code says which code matched)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if label := getattr(self.model_admin, "autocomplete_label", None):
            result["text"] = label(obj, self.term)
        return result


class CdiAdminSite(admin.AdminSite):
    site_header = "Crime data integrity audits: data entry"
    site_title = "CDI audits admin"
    index_title = "Enter and moderate audits"
    site_url = "/"

    def has_permission(self, request):
        user = request.user
        from forces.twofactor import needs_verification  # its models load after this app config

        # A session that must pass a second factor and has not is refused (forces/twofactor.py).
        return user.is_active and user.is_staff and role_of(user) in AUDIT_WRITERS and not needs_verification(request)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_signed_in_without_role(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return refuse_signed_in_without_role

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)


class CdiAdminConfig(AdminConfig):
    default_site = "forces.admin_site.CdiAdminSite"


class ScopedAdmin(SimpleHistoryAdmin):
    """Base for every admin of force-owned data: rows pass through ``for_user``."""

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def action_checkbox(self, obj):
        """Django's row checkbox, the same HTML written directly: Django renders a form widget through the
        template engine for each row, a third of the time the 100-row case list took to render."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, str(obj.pk), label)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def _ensure_in_scope(self, request, object_id):
        try:
            in_scope = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            in_scope = False
        if not in_scope:
            raise Http404

    # simple-history falls back to a deleted object's history and does not scope its form view.
    def history_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class NamedColumnsTabularInline(admin.TabularInline):
    """A tabular inline's inputs sit under column headings with no <label> of their own: each is named after
    its column, so a screen reader (and axe-core) can tell them apart. Choices that carry their own labels
    (checkboxes, radios) keep them."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name, field in formset.form.base_fields.items():
            labels_itself = field.widget.is_hidden or isinstance(field.widget, forms.RadioSelect)  # and checkboxes
            if not labels_itself:
                field.widget.attrs.setdefault("aria-label", str(field.label or name))
        return formset
