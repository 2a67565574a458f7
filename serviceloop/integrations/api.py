"""REST API of the integrations pages: the caller's own API tokens (list, make, revoke), and — for the city admin —
event subscriptions (list, add, edit, delete, test send) and the delivery log (list, send again). Same forms,
services and rules as the pages."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import call, clean, form_data, form_serializer, query

from . import services
from .forms import SubscriptionForm, TokenForm
from .idempotency import KEY_HEADER, idempotent
from .models import ApiToken, Delivery, DeliveryAttempt, DeliveryStatus, Subscription


class TokenSerializer(serializers.ModelSerializer):
    live = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "live",
        ]
        read_only_fields = fields

    def get_live(self, obj) -> bool:
        return obj.is_live(timezone.now())


class NewTokenSerializer(TokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown this once; only its SHA-256 is kept.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "secret"]
        read_only_fields = fields


TokenBody = form_serializer(TokenForm, "ApiTokenRequest")


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens (never the secrets). ``POST`` makes one (the secret is in that answer only);
    ``DELETE`` revokes one (audited; the row stays, revoked)."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not services.may_have_tokens(self.request.user):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=TokenBody, responses={201: NewTokenSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def create(self, request):
        """Makes a token of the caller's (name, scope read/write, optional expiry day)."""
        if not services.may_have_tokens(request.user):
            raise PermissionDenied
        d = clean(TokenForm(form_data(request)))
        expires = None
        if d["expires_on"]:
            expires = timezone.make_aware(dt.datetime.combine(d["expires_on"], dt.time.min))
        token, secret = call(services.apitoken_create, user=request.user, name=d["name"], scope=d["scope"],
                             expires_at=expires, actor=request.user)  # fmt: skip
        data = TokenSerializer(token).data
        return Response({**data, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Revoked")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        """Revokes the token at once (calls with it get 401 from then on). Revoking twice is harmless."""
        call(services.apitoken_revoke, token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Subscription
        # the signing secret is never read back: it was given (or generated and shown) when saved
        fields = ["id", "name", "url", "kinds", "active", "created_by", "created_at"]
        read_only_fields = fields


class NewSubscriptionSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret (given or generated).")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["at", "status_code", "error", "milliseconds"]


class DeliverySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="event.kind", read_only=True)
    event_at = serializers.DateTimeField(source="event.at", read_only=True)
    log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event", "kind", "event_at", "subscription", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_error", "delivered_at", "log"]  # fmt: skip
        read_only_fields = fields


SubscriptionBody = form_serializer(SubscriptionForm, "SubscriptionRequest")


def _city_admin(request):
    if not services.may_manage_subscriptions(request.user):
        raise PermissionDenied


class SubscriptionViewSet(viewsets.ModelViewSet):
    """Event subscriptions (city admins). ``POST {id}/test/`` sends a signed ``ping`` at once and answers with the
    delivery (the receiver's code in ``last_status_code``)."""

    serializer_class = SubscriptionSerializer
    queryset = Subscription.objects.none()
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        _city_admin(self.request)
        return Subscription.objects.all()

    def _save(self, request, sub, code):
        instance = Subscription() if sub is None else Subscription.objects.get(pk=sub.pk)
        d = clean(SubscriptionForm(form_data(request), instance=instance))
        if sub is not None and not d.get("secret"):
            d.pop("secret", None)  # as on the page: an empty secret keeps the current one
        saved = call(services.subscription_save, subscription=sub, data=d, actor=request.user)
        body = NewSubscriptionSerializer(saved).data if sub is None else SubscriptionSerializer(saved).data
        return Response(body, status=code)

    @extend_schema(
        request=SubscriptionBody, responses={201: NewSubscriptionSerializer}, parameters=[KEY_HEADER]
    )
    @idempotent
    def create(self, request):
        """Adds a subscription; without ``secret`` one is generated (answered this once)."""
        _city_admin(request)
        return self._save(request, None, status.HTTP_201_CREATED)

    @extend_schema(request=SubscriptionBody, responses={200: SubscriptionSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def update(self, request, pk=None):
        """Replaces name, URL, kinds and active; an empty ``secret`` keeps the current one."""
        sub = self.get_object()
        return self._save(request, sub, status.HTTP_200_OK)

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Deleted")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        """Deletes the subscription with its delivery log (audited)."""
        call(services.subscription_delete, subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DeliverySerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def test(self, request, pk=None):
        """Test send: a signed ``ping`` event POSTed now (not retried); the answer is in the delivery log."""
        delivery = call(services.subscription_test_send, subscription=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data)


@extend_schema_view(
    list=extend_schema(parameters=[
        query("status", "Status", enum=DeliveryStatus.values),
        query("subscription", "Subscription id", int),
    ])
)  # fmt: skip
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log (city admins), newest first, with each attempt's answer code."""

    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        _city_admin(self.request)
        qs = Delivery.objects.select_related("event").prefetch_related("log").order_by("-id")
        params = self.request.query_params
        if self.action == "list":
            if params.get("status") in DeliveryStatus.values:
                qs = qs.filter(status=params["status"])
            sub = params.get("subscription") or ""
            if sub.isascii() and sub.isdigit():  # "²".isdigit() too
                qs = qs.filter(subscription_id=int(sub))
        return qs

    @extend_schema(request=None, responses={201: DeliverySerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def resend(self, request, pk=None):
        """Sends this delivery's event again, as a new delivery tried at once (then retried as usual)."""
        delivery = get_object_or_404(self.get_queryset().select_related("subscription"), pk=pk)
        again = call(services.delivery_resend, delivery=delivery, actor=request.user)
        return Response(DeliverySerializer(again).data, status=status.HTTP_201_CREATED)
