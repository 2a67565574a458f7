from django.urls import path, re_path

from serviceloop.growth import views_care

from . import owner, views, views_staff

app_name = "portal"
urlpatterns = [
    # Public, no login: the shop's QR landing page and a request's tracking page.
    # Any text up to the last slash is taken as a token, so that every bad link gets the same friendly page.
    # The shop's restock advice, one static link from its QR page (growth owns the page).
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]+)/advice/\Z", views_care.public_advice, name="shop-advice"),
    # The owner's four-digit check before the shop's own figures (book, advice): see owner.py.
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]+)/owner/\Z", owner.owner_page, name="shop-owner"),
    re_path(r"^s/(?P<token>[\s\S]*)/\Z", views.shop_page, name="shop"),
    re_path(r"^t/(?P<token>[\s\S]*)/\Z", views.track_page, name="track"),
    # Staff.
    path("portal/cards/", views_staff.route_cards, name="routes"),
    path("portal/cards/export/", views_staff.route_cards_export, name="routes-export"),
    path("portal/routes/<int:pk>/cards.pdf", views_staff.route_cards_pdf, name="route-cards"),
    path("portal/customers/<int:pk>/qr/", views_staff.customer_qr, name="customer-qr"),
    path(
        "portal/customers/<int:pk>/qr.svg",
        views_staff.customer_qr_image,
        {"fmt": "svg"},
        name="customer-qr-svg",
    ),
    path(
        "portal/customers/<int:pk>/qr.png",
        views_staff.customer_qr_image,
        {"fmt": "png"},
        name="customer-qr-png",
    ),
    path("portal/customers/<int:pk>/card.pdf", views_staff.customer_card, name="customer-card"),
    path(
        "portal/customers/<int:pk>/qr/regenerate/",
        views_staff.customer_qr_regenerate,
        name="customer-qr-regenerate",
    ),
]
