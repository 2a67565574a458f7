from django.contrib import admin

from .models import GuidanceBook


@admin.register(GuidanceBook)
class GuidanceBookAdmin(admin.ModelAdmin):
    list_display = ["customer", "period", "generated_at", "generated_by"]
    list_select_related = ["customer", "generated_by"]
    raw_id_fields = ["customer", "generated_by", "remarks_by"]
    date_hierarchy = "period"
