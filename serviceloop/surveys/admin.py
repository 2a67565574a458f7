from django.contrib import admin

from .models import Answer, Item, Questionnaire, Reminder, Section, Wave, WaveEvent, WaveTarget


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "version", "created_at"]
    search_fields = ["title", "code"]
    inlines = [SectionInline]

    def has_change_permission(self, request, obj=None):
        # A version in use is frozen here too; the editor pages create the next version.
        return super().has_change_permission(request, obj) and not (obj and obj.is_frozen)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "kind", "scale_max", "ask_expectation", "required", "section"]
    list_filter = ["kind", "section__questionnaire"]
    search_fields = ["code", "text"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (
            obj and obj.section.questionnaire.is_frozen
        )


class WaveEventInline(admin.TabularInline):
    model = WaveEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "questionnaire",
        "period_start",
        "period_end",
        "status",
        "anonymous",
        "target_mode",
    ]
    list_filter = ["status", "anonymous"]
    search_fields = ["name"]
    readonly_fields = ["status", "seed", "drawn_at", "sample_size"]
    inlines = [WaveEventInline]


@admin.register(WaveTarget)
class WaveTargetAdmin(admin.ModelAdmin):
    list_display = ["wave", "customer", "station", "route", "token_revoked_at"]
    list_filter = ["wave"]
    search_fields = ["customer__licence_no", "customer__name"]
    raw_id_fields = ["customer", "wave"]
    readonly_fields = ["token"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["wave", "customer", "channel", "status", "submitted_at"]
    list_filter = ["wave", "channel", "status"]
    raw_id_fields = ["target", "customer", "wave", "entered_by"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Reminder)
