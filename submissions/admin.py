from django.contrib import admin

from .models import Entry, EntryAuthor, Film, RegionQuota, RegionSignoff, Upload


class EntryAuthorInline(admin.TabularInline):
    model = EntryAuthor
    extra = 0
    autocomplete_fields = ["participant"]


class FilmInline(admin.StackedInline):
    model = Film
    extra = 0
    can_delete = False
    readonly_fields = [
        "file",
        "size",
        "original_name",
        "sha256",
        "status",
        "problem",
        "container",
        "video_codec",
        "audio_codec",
        "duration",
        "width",
        "height",
        "poster",
        "preview",
        "duplicate_of",
        "checked_at",
    ]
    exclude = ["problem_params"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["title", "nomination", "region", "state", "submitted_at"]
    list_filter = ["edition", "state", "nomination", "region"]
    search_fields = ["title", "authors__participant__last_name", "created_by__email"]
    list_select_related = ["nomination", "region"]
    readonly_fields = ["state", "submitted_at", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["school", "supervisors"]
    inlines = [EntryAuthorInline, FilmInline]


@admin.register(Film)
class FilmAdmin(admin.ModelAdmin):
    list_display = ["entry", "status", "problem", "duration", "video_codec", "duplicate_of"]
    list_filter = ["status", "problem", "video_codec"]
    search_fields = ["entry__title", "sha256", "original_name"]
    list_select_related = ["entry"]
    readonly_fields = [*FilmInline.readonly_fields, "entry", "problem_params"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "entry", "offset", "length", "expires_at"]
    readonly_fields = ["entry", "created_by", "length", "offset", "filename", "metadata", "expires_at", "completed_at"]


@admin.register(RegionQuota)
class RegionQuotaAdmin(admin.ModelAdmin):
    list_display = ["region", "nomination", "quota", "edition"]
    list_filter = ["edition", "nomination", "region"]
    list_editable = ["quota"]


@admin.register(RegionSignoff)
class RegionSignoffAdmin(admin.ModelAdmin):
    list_display = ["region", "edition", "signed_by", "signed_at"]
    list_filter = ["edition"]
    readonly_fields = ["edition", "region", "signed_by", "signed_at"]
