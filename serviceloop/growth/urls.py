from django.urls import path

from . import views, views_care

app_name = "growth"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("export/", views.run_list_export, name="runs-export"),
    path("points/", views.points, name="points"),
    path("aliases/", views.aliases, name="aliases"),
    path("restock/", views.restock, name="restock"),
    path("restock/export/", views.restock_export, name="restock-export"),
    path("settlement/", views_care.settlement_care, name="settlement-care"),
    path("settlement/export/", views_care.settlement_care_export, name="settlement-care-export"),
    path("settlement/rates/", views_care.settlement_rates, name="settlement-rates"),
    path("settlement/rates/export/", views_care.settlement_rates_export, name="settlement-rates-export"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/rerun/", views.run_rerun, name="rerun"),
    path("<int:pk>/shops/", views.my_shops, name="shops"),
    path("<int:pk>/export/", views.run_export, name="export"),
    path("<int:run_pk>/products/<int:pk>/", views.product_detail, name="product"),
]
