"""REST API of the questionnaires (city admins, as on the questionnaire pages): list, read with sections and items,
create, edit title and description, a new version, and sections and items added, changed and deleted. The same
forms, services, audit rows and messages as the pages; a version used by a wave is frozen (400, the page's
message) and is changed by making a new version."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from serviceloop.core.api_forms import SEARCH, call, clean, clean_typed, form_data, form_serializer
from serviceloop.integrations.idempotency import KEY_HEADER, idempotent

from . import selectors, services
from .forms import ItemForm, QuestionnaireForm, SectionForm
from .models import Item, Questionnaire, Section


class SurveyItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "section", "order", "code", "text", "kind", "scale_max", "ask_expectation", "ask_importance",
                  "options", "required", "weight", "is_overall"]  # fmt: skip
        read_only_fields = fields


class SurveySectionSerializer(serializers.ModelSerializer):
    items = SurveyItemSerializer(many=True, read_only=True)

    class Meta:
        model = Section
        fields = ["id", "questionnaire", "order", "code", "title", "weight", "items"]
        read_only_fields = fields


class QuestionnaireSerializer(serializers.ModelSerializer):
    frozen = serializers.BooleanField(
        source="is_frozen", read_only=True, help_text="Used by a wave: cannot change"
    )

    class Meta:
        model = Questionnaire
        fields = ["id", "code", "version", "title", "description", "created_at", "frozen"]
        read_only_fields = fields


class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    sections = SurveySectionSerializer(many=True, read_only=True)

    class Meta(QuestionnaireSerializer.Meta):
        fields = [*QuestionnaireSerializer.Meta.fields, "sections"]
        read_only_fields = fields


QuestionnaireBody = form_serializer(QuestionnaireForm, "QuestionnaireRequest")


class QuestionnaireEditBody(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False)


SectionBody = form_serializer(SectionForm, "SurveySectionRequest")
ItemBody = form_serializer(
    ItemForm, "SurveyItemRequest", exclude=("options_text",),
    extra={"options": serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                            max_length=50, help_text="The options of a choice question")},
)  # fmt: skip


def _require(user):
    if not services.may_manage_surveys(user):
        raise PermissionDenied


def _object(model, pk, *related):
    row = (
        model.objects.filter(pk=pk).select_related(*related).first()
        if str(pk).isascii() and str(pk).isdigit()
        else None
    )
    if row is None:
        raise Http404
    return row


def _item_form(data, instance=None):
    """The item page's form; the API sends ``options`` as a list where the page has one option per line."""
    data = dict(data.items()) if hasattr(data, "items") else {}
    options = data.pop("options", None)
    if isinstance(options, list) and all(isinstance(o, str) for o in options):
        data["options_text"] = "\n".join(options)
    return ItemForm(data, instance=instance)


def _save_item(request, section, item=None):
    data = form_data(request)
    d = clean(_item_form(data, instance=item))
    ItemBody(data=data).is_valid(raise_exception=True)  # types: a form would take a list as its str()
    return call(services.item_save, section=section, item=item, data=d, actor=request.user)


@extend_schema_view(list=extend_schema(parameters=[SEARCH]))
class QuestionnaireViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Questionnaires, every version (city admins). ``POST`` creates version 1 of a new code; ``PATCH {id}/`` edits
    the title and description; ``{id}/new-version/`` copies a version for editing; ``{id}/sections/`` adds a
    section."""

    serializer_class = QuestionnaireSerializer
    queryset = Questionnaire.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Questionnaire.objects.none()
        _require(self.request.user)
        return selectors.questionnaire_list(q=self.request.query_params.get("q", "")[:100])

    def _detail(self, pk, code=status.HTTP_200_OK):
        q = _object(Questionnaire, pk)
        data = QuestionnaireDetailSerializer(
            Questionnaire.objects.prefetch_related("sections__items").get(pk=q.pk)
        ).data
        return Response(data, status=code)

    @extend_schema(responses={200: QuestionnaireDetailSerializer})
    def retrieve(self, request, pk=None):
        _require(request.user)
        return self._detail(pk)

    @extend_schema(
        request=QuestionnaireBody, responses={201: QuestionnaireDetailSerializer}, parameters=[KEY_HEADER]
    )
    @idempotent
    def create(self, request):
        _require(request.user)
        d = clean_typed(QuestionnaireForm, QuestionnaireBody, request)
        q = call(services.questionnaire_create, actor=request.user, **d)
        return self._detail(q.pk, status.HTTP_201_CREATED)

    @extend_schema(request=QuestionnaireEditBody, responses={200: QuestionnaireDetailSerializer})
    def partial_update(self, request, pk=None):
        _require(request.user)
        q = _object(Questionnaire, pk)
        body = form_data(request)
        body = body.dict() if hasattr(body, "dict") else dict(body)
        form = QuestionnaireForm(
            {"code": q.code, "title": q.title, "description": q.description, **body}, instance=q
        )
        form.fields["code"].disabled = True
        d = clean(form)
        QuestionnaireEditBody(data=body, partial=True).is_valid(raise_exception=True)
        call(services.questionnaire_update, questionnaire=q, title=d["title"], description=d["description"],
             actor=request.user)  # fmt: skip
        return self._detail(q.pk)

    @extend_schema(request=None, responses={201: QuestionnaireDetailSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"], url_path="new-version")
    @idempotent
    def new_version(self, request, pk=None):
        _require(request.user)
        copy = call(
            services.questionnaire_new_version, questionnaire=_object(Questionnaire, pk), actor=request.user
        )
        return self._detail(copy.pk, status.HTTP_201_CREATED)

    @extend_schema(request=SectionBody, responses={201: SurveySectionSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def sections(self, request, pk=None):
        _require(request.user)
        q = _object(Questionnaire, pk)
        d = clean_typed(SectionForm, SectionBody, request)
        section = call(services.section_save, questionnaire=q, section=None, data=d, actor=request.user)
        return Response(SurveySectionSerializer(section).data, status=status.HTTP_201_CREATED)


class SectionViewSet(viewsets.GenericViewSet):
    """A questionnaire's section: read, ``PUT`` change (all fields, as the page's form), ``DELETE``, and
    ``{id}/items/`` adds a question."""

    serializer_class = SurveySectionSerializer
    queryset = Section.objects.none()

    def _section(self, pk):
        _require(self.request.user)
        return _object(Section, pk, "questionnaire")

    def retrieve(self, request, pk=None):
        return Response(SurveySectionSerializer(self._section(pk)).data)

    @extend_schema(request=SectionBody, responses={200: SurveySectionSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def update(self, request, pk=None):
        section = self._section(pk)
        d = clean_typed(lambda data: SectionForm(data, instance=section), SectionBody, request)
        section = call(services.section_save, questionnaire=section.questionnaire, section=section, data=d,
                       actor=request.user)  # fmt: skip
        return Response(SurveySectionSerializer(section).data)

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Deleted")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        call(services.section_delete, section=self._section(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ItemBody, responses={201: SurveyItemSerializer}, parameters=[KEY_HEADER])
    @action(detail=True, methods=["post"])
    @idempotent
    def items(self, request, pk=None):
        item = _save_item(request, self._section(pk))
        return Response(SurveyItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemViewSet(viewsets.GenericViewSet):
    """A question: read, ``PUT`` change (all fields, as the page's form), ``DELETE``."""

    serializer_class = SurveyItemSerializer
    queryset = Item.objects.none()

    def _item(self, pk):
        _require(self.request.user)
        return _object(Item, pk, "section__questionnaire")

    def retrieve(self, request, pk=None):
        return Response(SurveyItemSerializer(self._item(pk)).data)

    @extend_schema(request=ItemBody, responses={200: SurveyItemSerializer}, parameters=[KEY_HEADER])
    @idempotent
    def update(self, request, pk=None):
        item = self._item(pk)
        return Response(SurveyItemSerializer(_save_item(request, item.section, item)).data)

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Deleted")}, parameters=[KEY_HEADER]
    )
    @idempotent
    def destroy(self, request, pk=None):
        call(services.item_delete, item=self._item(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
