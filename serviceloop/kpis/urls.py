from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("k/<slug:code>/", views.compare, name="compare"),
    path("k/<slug:code>/<str:level>/<int:unit_id>/<str:period>/", views.drill, name="drill"),
    path("targets/", views.targets, name="targets"),
    path("targets/<slug:code>/", views.target_edit, name="target-edit"),
]
