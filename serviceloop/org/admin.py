from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Branch, Company, Department, Route, Station, User


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "code"]
    search_fields = ["name"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "code"]
    list_filter = ["branch"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "code"]
    search_fields = ["name"]


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "account_manager", "market_manager"]
    list_filter = ["station__branch"]
    search_fields = ["name", "station__name"]
    list_select_related = ["station", "account_manager", "market_manager"]
    autocomplete_fields = ["station"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "branch", "station", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            _("Role and unit"),
            {"fields": ["full_name", "phone", "role", "company", "branch", "station", "department"]},
        ),  # fmt: skip
    ]
