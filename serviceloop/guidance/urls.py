from django.urls import path

from . import views

app_name = "guidance"
urlpatterns = [
    path("", views.book_list, name="list"),
    path("export/", views.book_export, name="export"),
    path("batch/", views.batch, name="batch"),
    path("customers/<int:pk>/", views.shop_books, name="shop"),
    path("books/<int:pk>/", views.book_detail, name="book"),
    path("books/<int:pk>/file/<str:fmt>/", views.book_file, name="download"),
]
