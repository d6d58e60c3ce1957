from django.contrib import admin

from .models import Assignment, AuditEvent, Conflict, Criterion, Panel, PanelMember


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "edition", "nomination", "maximum", "weight", "order"]
    list_filter = ["edition", "nomination"]
    list_editable = ["maximum", "weight", "order"]
    search_fields = ["code", "name_kk", "name_ru", "name_en"]


class PanelMemberInline(admin.TabularInline):
    """Shown, not edited: members are seated and removed on the panel's set-up page (judging:setup_panel),
    which gives the juror role, refuses students' and teachers' accounts and moves a leaver's open films."""

    model = PanelMember
    extra = 0
    fields = ["juror", "active"]
    readonly_fields = ["juror", "active"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "stage", "region", "chair", "deadline", "method", "normalise"]
    list_filter = ["edition", "stage", "region"]
    search_fields = ["name_kk", "name_ru", "name_en"]
    filter_horizontal = ["nominations"]
    autocomplete_fields = ["chair"]
    inlines = [PanelMemberInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["panel", "juror", "entry", "active"]
    list_filter = ["panel", "active"]
    search_fields = ["juror__email", "entry__title"]
    list_select_related = ["panel", "juror", "entry"]
    readonly_fields = ["panel", "juror", "entry", "created_at"]

    def has_add_permission(self, request):
        # Assignments are built on the panel's set-up page (judging:setup_panel), around conflicts of interest;
        # a hand-made one would skip those rules, and the form had no entry to give (NOT NULL).
        return False


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["juror", "entry", "panel", "kind", "decision", "created_at"]
    list_filter = ["panel", "kind", "decision"]
    search_fields = ["juror__email", "entry__title", "reason"]
    list_select_related = ["juror", "entry", "panel"]
    readonly_fields = ["panel", "juror", "entry", "kind", "reason", "decided_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if change and "decision" in form.changed_data:
            from . import services

            services.conflict_decide(conflict=obj, decision=obj.decision, by=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "panel", "subject"]
    list_filter = ["action", "panel"]
    search_fields = ["subject", "actor__email"]
    readonly_fields = ["at", "actor", "action", "panel", "subject", "before", "after"]
    list_select_related = ["actor", "panel"]
