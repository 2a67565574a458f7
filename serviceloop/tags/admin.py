from django.contrib import admin
from django.utils import timezone

from .models import CustomerTag, CustomerTagEvent, LibraryEdit, ProblemTag, ServiceStrategy
from .services import STRATEGY_FIELDS, TAG_FIELDS, library_save


class StrategyInline(admin.StackedInline):
    model = ServiceStrategy
    can_delete = False
    min_num = 1
    max_num = 1


@admin.register(ProblemTag)
class ProblemTagAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "discovery_source", "severity", "active", "version"]
    list_filter = ["category", "discovery_source", "severity", "active"]
    search_fields = ["name", "description"]
    readonly_fields = ["version", "updated_at"]
    inlines = [StrategyInline]

    def save_model(self, request, obj, form, change):
        pass  # saved with its strategy in save_related, through library_save (one history row per edit)

    def save_related(self, request, form, formsets, change):
        data = {f: form.cleaned_data[f] for f in TAG_FIELDS if f in form.cleaned_data}
        strategy_form = formsets[0].forms[0]
        data.update(
            {f: strategy_form.cleaned_data[f] for f in STRATEGY_FIELDS if f in strategy_form.cleaned_data}
        )
        tag = library_save(
            tag=form.instance if change else None, data=data, actor=request.user, now=timezone.now()
        )
        form.instance.pk = tag.pk
        for formset in formsets:  # what the admin's change message reads after a save
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return False  # tags in use keep their history; retire a tag by unticking "in use"


@admin.register(LibraryEdit)
class LibraryEditAdmin(admin.ModelAdmin):
    list_display = ["tag", "version", "at", "actor"]
    list_select_related = ["tag", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerTag)
class CustomerTagAdmin(admin.ModelAdmin):
    list_display = ["customer", "tag", "status", "attached_at", "due_at"]
    list_filter = ["status", "tag__category"]
    list_select_related = ["customer", "tag"]
    raw_id_fields = ["customer", "visit"]

    def has_change_permission(self, request, obj=None):
        return False  # the loop moves only through its pages and services

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerTagEvent)
class CustomerTagEventAdmin(CustomerTagAdmin):
    list_display = ["customer_tag", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    list_select_related = ["customer_tag", "actor"]
    raw_id_fields = []
