from django.contrib import admin

from forces.admin_site import NamedColumnsTabularInline, ScopedAdmin
from recommendations import services
from recommendations.forms import FindingForm
from recommendations.models import Finding, FollowUp, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class FollowUpInline(NamedColumnsTabularInline):
    """The timeline, read only: entries are added on the finding's page, never edited."""

    model = FollowUp
    fields = ["created_at", "author", "status_from", "status_to", "visibility", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FindingAdminForm(FindingForm):
    class Meta(FindingForm.Meta):
        fields = ["inspection", *FindingForm.Meta.fields]
        widgets = {"text": FindingForm.Meta.widgets["text"]}

    def clean(self):
        self.instance.inspection = self.cleaned_data.get("inspection") or self.instance.inspection
        return super().clean()


@admin.register(Finding)
class FindingAdmin(ScopedAdmin):
    form = FindingAdminForm
    list_display = ["reference", "kind", "inspection", "owner", "status", "due_on"]
    list_filter = ["kind", "status", "owner", "timescale", "themes", "inspection__force__region"]
    search_fields = ["reference", "text", "inspection__force__name"]
    autocomplete_fields = ["inspection", "parent"]
    filter_horizontal = ["themes"]
    list_select_related = ["inspection__force"]
    readonly_fields = ["status", "version", "superseded_by"]
    inlines = [FollowUpInline]

    def save_model(self, request, obj, form, change):
        services.finding_save(finding=obj, by=request.user, themes=form.cleaned_data["themes"])

    def save_related(self, request, form, formsets, change):
        # The themes were saved with the finding. The follow-up inline is read only, so its save writes
        # nothing, but the change message reads what that save found (formset.new_objects and the rest).
        for formset in formsets:
            self.save_formset(request, form, formset, change)
