from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from forces.admin_site import ScopedAdmin
from forces.models import Force, ForceMembership, RecordedCrimeVolume
from forces.roles import Role


@admin.register(Force)
class ForceAdmin(ScopedAdmin):
    list_display = ["name", "region", "country"]
    list_filter = ["region", "country"]
    search_fields = ["name", "slug", "region"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(RecordedCrimeVolume)
class RecordedCrimeVolumeAdmin(ScopedAdmin):
    list_display = ["force", "period_end", "category", "count", "source"]
    list_filter = ["category", "period_end", "force__region"]
    search_fields = ["force__name", "source"]
    autocomplete_fields = ["force"]
    list_select_related = ["force"]


class ForceMembershipFormSet(BaseInlineFormSet):
    """Force staff must belong to a force: without one they would see nothing at all."""

    def clean(self):
        super().clean()
        staff_group = Group.objects.filter(name=Role.FORCE_STAFF.value).values_list("pk", flat=True).first()
        chosen_groups = {str(pk) for pk in self.data.getlist("groups")}
        has_force = any(
            form.cleaned_data.get("force") and not self._should_delete_form(form)
            for form in self.forms
            if hasattr(form, "cleaned_data")
        )
        if str(staff_group) in chosen_groups and not has_force:
            raise ValidationError("Force staff must belong to a force: choose their force below.")


class ForceMembershipInline(admin.StackedInline):
    model = ForceMembership
    formset = ForceMembershipFormSet
    autocomplete_fields = ["force"]
    can_delete = True
    extra = 0
    max_num = 1
    verbose_name = "Force"
    verbose_name_plural = "Force (required for force staff; optional for a manager of one force)"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    inlines = [ForceMembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "role", "force"]
    list_select_related = ["membership__force"]
    list_filter = ["groups", "is_active", "membership__force__region"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Role")
    def role(self, user):
        return ", ".join(group.name for group in user.groups.all()) or ("Administrator" if user.is_superuser else "—")

    @admin.display(description="Force")
    def force(self, user):
        membership = getattr(user, "membership", None)
        return membership.force if membership else "All forces"


# Two-factor devices (django-otp): administrators see who has set up two-factor sign-in and remove a lost
# device (the user then sets it up again at their next sign-in). django-otp's own admin screens show a device's
# secret key and recovery codes; these show neither, and nothing can be added or changed here.
from django_otp.plugins.otp_static.models import StaticDevice  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(TOTPDevice, TwoFactorDeviceAdmin)
admin.site.register(StaticDevice, TwoFactorDeviceAdmin)
