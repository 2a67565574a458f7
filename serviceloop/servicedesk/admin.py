from django.contrib import admin

from .models import (
    Category,
    Holiday,
    Notification,
    RequestEvent,
    RequestMilestone,
    ServiceRequest,
    ShopMessage,
    SlaMilestone,
    SlaPolicy,
    Webhook,
    WebhookDelivery,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "field_matter", "sort_order", "active"]
    list_editable = ["field_matter", "sort_order", "active"]


class SlaMilestoneInline(admin.TabularInline):
    model = SlaMilestone
    extra = 1


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "complexity", "urgency", "channel", "priority", "active"]
    inlines = [SlaMilestoneInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    date_hierarchy = "date"


class ReadOnlyMixin:
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):  # inlines pass obj; the model admin does not
        return False


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = RequestEvent
    fields = ["at", "kind", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields


class MilestoneInline(ReadOnlyMixin, admin.TabularInline):
    model = RequestMilestone
    fields = ["milestone", "round", "due_at", "state", "met_at", "breached", "warned_at", "escalation_level"]
    readonly_fields = fields


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["reference", "shop", "kind", "category", "status", "owner", "created_at"]
    list_filter = ["status", "kind", "channel", "category"]
    search_fields = ["reference", "shop__name", "shop__licence_no"]
    raw_id_fields = ["shop", "owner", "handler", "merged_into", "repeat_of", "created_by"]
    inlines = [MilestoneInline, EventInline]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["user", "url", "format", "active"]
    raw_id_fields = ["user"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["webhook", "sweep_at", "state", "attempts", "last_error"]


admin.site.register(Notification)
admin.site.register(ShopMessage)
