"""REST API of guidance books: list and read the caller's shops' books, download one as PDF or DOCX, and
generate a shop's book for this month. Same selectors, services and scope as the pages."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call
from serviceloop.customers.models import Customer

from . import selectors
from .models import GuidanceBook
from .services import FORMATS, guidancebook_generate, may_write_books


class BookSerializer(serializers.ModelSerializer):
    licence_no = serializers.CharField(source="customer.licence_no", read_only=True)
    shop_name = serializers.CharField(source="customer.name", read_only=True)
    generated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = GuidanceBook
        fields = ["id", "customer", "licence_no", "shop_name", "period", "generated_at", "generated_by",
                  "generated_by_name", "remarks", "remarks_at"]  # fmt: skip

    def get_generated_by_name(self, obj) -> str | None:
        return str(obj.generated_by) if obj.generated_by_id else None


class BookDetailSerializer(BookSerializer):
    class Meta(BookSerializer.Meta):
        fields = [*BookSerializer.Meta.fields, "snapshot"]


class GenerateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(help_text="The shop's id (one of the caller's shops)")


FILTERS = [
    SEARCH,
    OpenApiParameter("customer", int, description="Only this shop's books"),
    OpenApiParameter("route", int, description="Only books of this route's shops"),
    OpenApiParameter("station", int, description="Only books of this station's shops"),
    OpenApiParameter("period", str, description="Only this month (YYYY-MM)"),
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class GuidanceBookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Guidance books of the caller's shops (an account manager: their routes' shops), newest month first;
    ``POST`` makes (or refreshes) a shop's book for this month; ``file`` downloads one as PDF or DOCX."""

    queryset = GuidanceBook.objects.none()
    serializer_class = BookSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GuidanceBook.objects.none()
        if self.action == "list":
            return selectors.book_list(user=self.request.user, params=self.request.query_params)
        return selectors.books_visible_to(self.request.user).select_related("customer", "generated_by")

    def get_serializer_class(self):
        return BookDetailSerializer if self.action == "retrieve" else BookSerializer

    @extend_schema(request=GenerateSerializer, responses={201: BookSerializer})
    def create(self, request):
        """Makes the shop's book for this month from today's data (a second call in the month refreshes it)."""
        from django.utils import timezone

        if not may_write_books(request.user):
            raise PermissionDenied
        body = GenerateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = (
            Customer.objects.visible_to(request.user)
            .select_related("route__account_manager", "station", "branch")
            .filter(pk=body.validated_data["customer"])
            .first()
        )
        if customer is None:
            raise NotFound
        book = call(guidancebook_generate, customer=customer, actor=request.user, now=timezone.now())
        return Response(BookSerializer(book).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("fmt", str, enum=list(FORMATS), description="pdf (default) or docx")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                   (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"): OpenApiTypes.BINARY,
                   404: OpenApiResponse(description="Not one of the caller's books, or an unknown format")},
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The book as a file (PDF with embedded fonts, or DOCX)."""
        from .views import file_response

        fmt = request.query_params.get("fmt", "pdf")
        if fmt not in FORMATS:
            raise NotFound
        return file_response(self.get_object(), fmt)
