from django.contrib import admin

from .models import CodeAlias, Customer, CustomerChange, OutboxMessage


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "licence_no",
        "name",
        "owner_name",
        "branch",
        "station",
        "route",
        "grade",
        "stars",
        "status",
    ]
    list_filter = ["branch", "retail_format", "market_type", "stars", "status"]
    search_fields = ["licence_no", "name", "owner_name", "phone"]
    list_select_related = ["branch", "station", "route"]
    readonly_fields = ["station", "branch"]
    autocomplete_fields = ["route"]

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        from .services import customer_create, customer_update

        # The admin writes through the same services, so history and scope copies stay true.
        data = {f: form.cleaned_data[f] for f in form.changed_data}
        if change:
            customer_update(customer=obj, data=data, actor=request.user, now=timezone.now())
        else:
            created = customer_create(data=form.cleaned_data, actor=request.user, now=timezone.now())
            obj.pk = created.pk


@admin.register(CustomerChange)
class CustomerChangeAdmin(admin.ModelAdmin):
    list_display = ["customer", "field", "old_value", "new_value", "changed_at", "actor", "source"]
    list_filter = ["field", "source"]
    search_fields = ["customer__licence_no"]
    raw_id_fields = ["customer"]

    def has_change_permission(self, request, obj=None):
        return False  # history is append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CodeAlias)
class CodeAliasAdmin(admin.ModelAdmin):
    list_display = ["field", "alias", "code"]
    list_filter = ["field"]
    search_fields = ["alias"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Messages to shops are written by their senders and the outbox job only; the admin shows them (who, what,
    delivered or why not)."""

    list_display = ["customer", "kind", "cycle", "session", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["kind", "state", "cycle"]
    search_fields = ["customer__licence_no", "customer__name", "dedupe_key"]
    raw_id_fields = ["customer", "session"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
