from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AgeGroup, Consent, Edition, Nomination, Participant, Phase, Region, RoleGrant, School, User

# Roles are RoleGrant rows with a scope; Django's groups are not used.
admin.site.unregister(Group)
admin.site.site_header = _("Festival administration")
admin.site.site_title = _("Festival administration")
admin.site.index_title = _("Organizer's tools")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_kk", "name_ru", "name_en", "kind", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name_kk", "name_ru", "name_en"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "locality", "region", "approved"]
    list_filter = ["approved", "region"]
    search_fields = ["name", "locality"]
    list_select_related = ["region"]
    actions = ["approve"]

    @admin.action(description=_("Approve: offer in the registration forms"))
    def approve(self, request, queryset):
        count = services.schools_approve(schools=queryset.values_list("pk", flat=True))
        self.message_user(request, _("Schools approved: %(count)s.") % {"count": count})


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class NominationInline(admin.TabularInline):
    model = Nomination
    extra = 0
    fields = [
        "order",
        "code",
        "name_ru",
        "max_duration_seconds",
        "max_file_size_mb",
        "allowed_formats",
        "min_team_size",
        "max_team_size",
        "is_active",
    ]


class AgeGroupInline(admin.TabularInline):
    model = AgeGroup
    extra = 0


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["year", "title_ru", "is_current", "allow_external_links"]
    inlines = [PhaseInline, NominationInline, AgeGroupInline]


@admin.register(Nomination)
class NominationAdmin(admin.ModelAdmin):
    list_display = ["name_ru", "edition", "max_duration_seconds", "max_file_size_mb", "allowed_formats", "is_active"]
    list_filter = ["edition", "is_active"]
    search_fields = ["code", "name_kk", "name_ru", "name_en"]


CONSENT_READONLY = [
    "participant",
    "given_by_name",
    "relation",
    "given_by_phone",
    "given_at",
    "text_version",
    "language",
    "operator",
    "data_kept",
    "purpose",
    "term",
    "third_parties",
    "recorded_by",
]


class ConsentInline(admin.StackedInline):
    model = Consent
    extra = 0
    readonly_fields = CONSENT_READONLY


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "birth_date", "region", "school_name", "grade", "supervisor"]
    list_filter = ["region", "grade"]
    # Not the IIN: a search term lands in the URL, and an IIN must never be in one.
    search_fields = ["last_name", "first_name", "school__name", "user__email"]
    list_select_related = ["region", "school", "supervisor"]
    autocomplete_fields = ["school", "supervisor", "user"]
    inlines = [ConsentInline]

    @admin.display(description=_("participant"), ordering="last_name")
    def name(self, obj):
        return obj.full_name

    @admin.display(description=_("school"))
    def school_name(self, obj):
        return obj.school_display


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["participant", "given_by_name", "relation", "given_at", "withdrawn_at"]
    list_filter = ["relation", "language", "text_version"]
    search_fields = ["participant__last_name", "given_by_name"]
    list_select_related = ["participant"]
    readonly_fields = CONSENT_READONLY
    actions = ["withdraw"]

    @admin.action(description=_("Withdraw the selected consents"))
    def withdraw(self, request, queryset):
        for consent in queryset.filter(withdrawn_at__isnull=True):
            services.consent_withdraw(consent=consent)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


class UserCreationAdminForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "last_name", "first_name", "kind"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "last_name", "first_name", "kind", "region", "email_confirmed_at", "is_active"]
    list_filter = ["kind", "is_active", "is_staff", "region", "role_grants__role"]
    search_fields = ["email", "last_name", "first_name"]
    list_select_related = ["region"]
    autocomplete_fields = ["school"]
    inlines = [RoleGrantInline]
    add_form = UserCreationAdminForm
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["last_name", "first_name", "patronymic", "birth_date", "phone", "kind"]}),
        (_("School"), {"fields": ["region", "school", "school_other"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "email_confirmed_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "last_name", "first_name", "kind", "password1", "password2"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_sync_staff(user=form.instance)


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "granted_at"]
    list_filter = ["role", "region"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "region"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.user_sync_staff(user=obj.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.user_sync_staff(user=obj.user)

    def delete_queryset(self, request, queryset):
        users = list(User.objects.filter(role_grants__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for user in users:
            services.user_sync_staff(user=user)
