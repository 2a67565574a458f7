"""Public routes under the shop's QR token; included before the portal's, whose pattern takes any text."""

from django.urls import re_path

from . import views_public

app_name = "guidance_public"
urlpatterns = [
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]{1,64})/book/\Z", views_public.public_book, name="book"),
    re_path(
        r"^s/(?P<token>[A-Za-z0-9_-]{1,64})/book/(?P<fmt>pdf|docx)/\Z",
        views_public.public_book_file,
        name="download",
    ),  # fmt: skip
]
