from django.contrib import admin
from django.utils import timezone

from .models import KeyListSettings, VisitPolicy
from .services import keylist_settings_save, policy_save


@admin.register(VisitPolicy)
class VisitPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "stars_min", "stars_max", "key_list", "visits_per_month", "min_minutes",
                    "max_gap_days", "active"]  # fmt: skip
    list_filter = ["kind", "active"]

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data} if change else form.cleaned_data
        saved = policy_save(policy=obj if change else None, data=data, actor=request.user, now=timezone.now())
        obj.pk = saved.pk


@admin.register(KeyListSettings)
class KeyListSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "grade_drop_days", "closed_window_days", "closed_min_visits", "complaint_days",
                    "new_shop_months"]  # fmt: skip

    def save_model(self, request, obj, form, change):
        keylist_settings_save(data=form.cleaned_data, actor=request.user, now=timezone.now())

    def has_add_permission(self, request):
        return not KeyListSettings.objects.exists()
