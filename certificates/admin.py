from django.contrib import admin

from .models import Document, DocumentTemplate, Font, IssueJob


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "region", "issued_at"]
    list_filter = ["edition", "kind", "status", "region"]
    search_fields = ["full_name", "code"]
    readonly_fields = [f.name for f in Document._meta.fields]


@admin.register(IssueJob)
class IssueJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "total", "created_by"]
    list_filter = ["edition", "status"]
    readonly_fields = [f.name for f in IssueJob._meta.fields]


admin.site.register([DocumentTemplate, Font])
