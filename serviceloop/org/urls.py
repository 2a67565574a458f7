from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.branches, name="branches"),
    path("routes/", views.routes, name="routes"),
    path("routes/unassigned/", views.routes_unassigned, name="routes-unassigned"),
    path("staff/", views.staff, name="staff"),
    path("staff/new/", views.staff_edit, name="staff-create"),
    path("staff/import/", views.staff_import, name="staff-import"),
    path("setup/", views.setup, name="setup"),
    path("staff/<int:pk>/", views.staff_edit, name="staff-edit"),
    path("<str:kind>/new/", views.unit_edit, name="unit-create"),
    path("<str:kind>/<int:pk>/", views.unit_edit, name="unit-edit"),
]
