"""Public links for shop owners: the QR landing page of a shop and the tracking page of one request.

A token is 144 random bits (``secrets.token_urlsafe(18)``), looked up in this table: it cannot be guessed
or forged, carries no licence number or id, and is revoked with one row update (``revoked_at``). Signing
would add nothing over that, and a stored random value is what makes one-click revocation possible.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TokenPurpose(models.TextChoices):
    SHOP = "shop", _("QR landing page")
    TRACK = "track", _("Request tracking")


class ShopToken(models.Model):
    value = models.CharField(_("token"), max_length=40, unique=True)
    # The shop: of the QR page, or of the tracked request (none for a consumer's request without a shop).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_tokens",
        verbose_name=_("customer"),
    )
    purpose = models.CharField(_("purpose"), max_length=5, choices=TokenPurpose.choices)
    service_request = models.ForeignKey(
        "servicedesk.ServiceRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_tokens",
        verbose_name=_("tracked request"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("shop link")
        verbose_name_plural = _("shop links")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live QR link per shop: printing twice never makes two cards with different codes.
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(purpose="shop", revoked_at__isnull=True),
                name="shoptoken_one_live_shop_link",
            ),
            models.UniqueConstraint(
                fields=["service_request"],
                condition=Q(purpose="track", revoked_at__isnull=True),
                name="shoptoken_one_live_tracking_link",
            ),
            # A QR link belongs to a shop; a tracking link to a request.
            models.CheckConstraint(
                condition=(
                    Q(purpose="shop", customer__isnull=False, service_request__isnull=True)
                    | Q(purpose="track", service_request__isnull=False)
                ),
                name="shoptoken_purpose_target",
            ),
        ]
        indexes = [models.Index(fields=["customer", "purpose"])]

    def __str__(self):
        return f"{self.get_purpose_display()} · {self.customer_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class RateCounter(models.Model):
    """Filings counted in the current fixed window (one row per shop or client address, reused each window).

    Used by ``ratelimit`` when no Redis is configured: one upsert counts both limits of a filing inside the
    filing's own transaction, so a refused, failed or repeated filing gives its slot back by rolling back."""

    key = models.CharField(max_length=100, primary_key=True)
    period = models.BigIntegerField()  # the window's number: epoch seconds // window length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self):
        return f"{self.key} {self.period} {self.count}"
