from django.urls import path

from . import views

app_name = "tags"
urlpatterns = [
    path("", views.tag_list, name="list"),
    path("export/", views.tag_export, name="export"),
    path("board/", views.board, name="board"),
    path("bulk/", views.tag_bulk_attach, name="bulk"),
    path("library/", views.library, name="library"),
    path("library/new/", views.library_edit, name="library-create"),
    path("library/<int:pk>/", views.library_edit, name="library-edit"),
    path("attach/<int:customer_pk>/", views.tag_attach, name="attach"),
    path("<int:pk>/", views.tag_detail, name="detail"),
    path("<int:pk>/photo/", views.tag_photo, name="photo"),
    path("events/<int:pk>/photo/", views.event_photo, name="event-photo"),
]
