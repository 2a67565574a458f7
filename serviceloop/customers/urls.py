from django.urls import path

from . import views, views_import

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_edit, name="create"),
    path("import/", views_import.import_upload, name="import"),
    path("import/<int:pk>/", views_import.import_result, name="import-result"),
    path("import/<int:pk>/confirm/", views_import.import_confirm, name="import-confirm"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
]
