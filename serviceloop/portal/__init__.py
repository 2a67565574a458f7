"""Public pages for shop owners and the printable service card (暖心服务牌).

- ``/s/<token>/`` — a shop's QR landing page: big category buttons, text, optional photo and callback
  phone; files through ``servicedesk.services.servicerequest_file`` (channel QR) and answers with
  ``/t/<token>/``, the request's tracking page (status, plain-language timeline, messages to the shop).
- Links (``ShopToken``) are 144 random bits stored in the database, one live QR link per shop and one per
  request; "make a new QR code" revokes the old one at once. Unknown, malformed, tampered and revoked
  links all get the same friendly 404 page.
- Double taps: a hidden idempotency key per rendered form, namespaced by shop (``qr:<shop id>:<key>``).
- Rate limits: ``PORTAL_RATE_SHOP_PER_HOUR`` (5) and ``PORTAL_RATE_ADDRESS_PER_HOUR`` (20), counted in
  Django's cache (LocMemCache per process by default; set ``CACHE_URL=redis://…`` to share across
  workers). Behind a proxy set ``PORTAL_CLIENT_ADDRESS_HEADER``. 0 means unlimited.
- Suspended and closed shops still file (a closed shop may still have a settlement dispute); the portal
  does not show the shop's status on the public page — anyone at the counter can scan it (panels that
  other apps include in ``shop.html`` decide for themselves). Closed shops are left out
  when a whole route's cards are printed; one card can still be printed from the shop's page.
- Card contacts: the station's station head; as inspection squad leader, an inspector posted at the
  station, else one posted at its branch (lowest id: the staff records have no squad-leader flag); the
  route's market manager and account manager.
- Cards: WeasyPrint with an embedded CJK font (fonts-wqy-microhei, installed by ``make setup``); one card
  per A6 page or four per A4 sheet; links use ``PUBLIC_BASE_URL``.
"""
