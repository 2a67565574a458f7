from django.contrib import admin

from .models import AllocationRun, PointsScheme, RegionAlias


@admin.register(RegionAlias)
class RegionAliasAdmin(admin.ModelAdmin):
    list_display = ["kind", "sheet_name", "archive_value"]
    list_filter = ["kind"]
    search_fields = ["sheet_name", "archive_value"]


@admin.register(PointsScheme)
class PointsSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "volume_weight", "method", "updated_at"]


@admin.register(AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "status", "total_abs_error", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "filename", "sha256"]
    exclude = ["sheet"]
    readonly_fields = [
        f
        for f in (
            "kind",
            "title",
            "filename",
            "sha256",
            "parameters",
            "method",
            "status",
            "errors",
            "rerun_of",
            "created_by",
            "created_at",
            "total_target",
            "total_allocated",
            "total_abs_error",
        )
    ]

    def has_add_permission(self, request):
        return False
