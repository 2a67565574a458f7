from django.urls import path

from . import views, views_points, views_settings

app_name = "trade"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("import/", views.import_upload, name="import"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/import/", views.import_commit, name="batch-commit"),
    path("batches/<int:pk>/rollback/", views.batch_rollback_view, name="batch-rollback"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("products/", views.product_list, name="products"),
    path("derived/", views.derived, name="derived"),
    path("derived/<str:what>/compute/", views.derived_compute, name="derived-compute"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/<str:decision>/", views.run_decide, name="run-decide"),
    path("shops/<int:customer_pk>/panel/", views.shop_panel, name="shop-panel"),
    path("mappings/", views_settings.aliases, name="aliases"),
    path("mappings/<str:what>/add/", views_settings.alias_add, name="alias-add"),
    path("mappings/<str:what>/<int:pk>/delete/", views_settings.alias_delete, name="alias-delete"),
    path("settings/", views_settings.derivation_settings, name="settings"),
    path("points/", views_points.points_list, name="points"),
    path("points/compute/", views_points.points_compute, name="points-compute"),
    path("points/formula/", views_points.points_formula, name="points-formula"),
]
