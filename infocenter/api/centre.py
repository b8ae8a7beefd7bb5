"""API endpoints over the centre's publications and reports about other agents. They call the
same selectors and services as the pages (``infocenter.selectors`` / ``infocenter.services``),
so visibility, the access log, abuse limits and events are the same."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from agents.choices import AgentKind
from agents.models import Agent
from agents.validators import normalise_uscc

from .. import selectors as centre
from .. import services as centre_services
from ..choices import Category, InfoModule, ReportCategory, ReportType, Verification, Visibility
from ..models import Publication, Report
from .idempotency import idempotent
from .serializers import ErrorSerializer
from .views import ERRORS, IDEMPOTENCY_PARAMETER, ApiView, drf_validation_error


def _call(service, **kwargs):
    """A service call with its errors as API errors (400 per field, 403)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise drf_validation_error(exc)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or _("You may not do this."))


class AgentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = ["id", "name", "kind", "credit_code"]
        read_only_fields = fields


# --- publications ----------------------------------------------------------------------------
class PublicationSerializer(serializers.ModelSerializer):
    subject = AgentRefSerializer(read_only=True)
    publisher = AgentRefSerializer(read_only=True)
    audience_kinds = serializers.ListField(source="audience_kinds_list", child=serializers.CharField(),
                                           read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = Publication
        fields = ["id", "lineage", "version", "is_current", "module", "category", "subject", "publisher", "title",
                  "body", "data", "visibility", "audience_kinds", "period", "status", "correction_note",
                  "retraction_reason", "created_at", "published_at", "retracted_at"]
        read_only_fields = fields


class PublicationInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    data = serializers.DictField(required=False, default=dict,
                                 help_text=gettext_lazy("Structured figures, e.g. {\"revenue\": \"1234.56\"}"))
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.MEMBERS)
    audience_kinds = serializers.ListField(child=serializers.ChoiceField(choices=AgentKind.choices), required=False,
                                           default=list, max_length=5)
    period = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)

    def validate_data(self, value):
        import json

        try:
            text = json.dumps(value, default=str)
        except (TypeError, ValueError):
            raise serializers.ValidationError(_("The data must be a JSON object."))
        if len(text) > 20000:
            raise serializers.ValidationError(_("The data is too large (at most 20,000 characters)."))
        return json.loads(text)  # Decimals (JSON numbers) become strings: exact, storable


class PublicationListCreateView(ApiView, generics.ListCreateAPIView):
    serializer_class = PublicationSerializer

    def get_queryset(self):
        params = self.request.query_params
        module, category = params.get("module", ""), params.get("category", "")
        if module and module not in InfoModule.values:
            raise exceptions.ValidationError({"module": [_("Unknown module.")]})
        if category and category not in Category.values:
            raise exceptions.ValidationError({"category": [_("Unknown category.")]})
        return centre.publications_for(self.request.user, module=module, category=category)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page:
            centre_services.access_log_record(user=self.request.user, publications=page,
                                              page=self.request.get_full_path())
        return page

    @extend_schema(summary="Publications you may read (current versions)",
                   parameters=[OpenApiParameter("module", OpenApiTypes.STR, enum=InfoModule.values),
                               OpenApiParameter("category", OpenApiTypes.STR, enum=Category.values)],
                   responses={200: PublicationSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Publish about your own agent", request=PublicationInputSerializer,
                   parameters=[IDEMPOTENCY_PARAMETER],
                   responses={201: PublicationSerializer, 409: ErrorSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        token = self.acting_token()
        return idempotent(token.agent, request, lambda: self._create(request, token))

    def _create(self, request, token) -> Response:
        data = PublicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        publication = _call(centre_services.publication_create, subject=token.agent, author=request.user,
                            **data.validated_data)
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)


# --- reports about other agents --------------------------------------------------------------
class ReportSerializer(serializers.ModelSerializer):
    reporter = AgentRefSerializer(read_only=True)
    subject = AgentRefSerializer(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "reporter", "subject", "category", "report_type", "title", "evidence", "occurred_on",
                  "created_at", "status", "decided_at", "decision_note", "reply", "replied_at"]
        read_only_fields = fields


class ReportInputSerializer(serializers.Serializer):
    subject_credit_code = serializers.CharField(
        max_length=40, help_text=gettext_lazy("Unified social credit code of the agent the report is about"))
    category = serializers.ChoiceField(choices=ReportCategory.choices)
    report_type = serializers.ChoiceField(choices=ReportType.choices, required=False,
                                          help_text=gettext_lazy("Default: the type the category suggests"))
    title = serializers.CharField(max_length=200)
    evidence = serializers.CharField(max_length=20000)
    occurred_on = serializers.DateField(required=False, allow_null=True)

    def validate_subject_credit_code(self, value):
        request = self.context["request"]
        code = normalise_uscc(value)
        subject = Agent.objects.restrict(request.user).filter(credit_code=code).first() if code else None
        if subject is None:
            raise serializers.ValidationError(_("No agent you may see has this credit code."))
        return subject


class ReportListCreateView(ApiView, generics.ListCreateAPIView):
    serializer_class = ReportSerializer

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in Verification.values:
            raise exceptions.ValidationError({"status": [_("Unknown status.")]})
        return centre.reports_for(self.request.user, status=wanted)

    @extend_schema(summary="Reports about agents that you may read (filed by you, about you, or to decide)",
                   parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Verification.values)],
                   responses={200: ReportSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="File a report about another agent", request=ReportInputSerializer,
                   parameters=[IDEMPOTENCY_PARAMETER],
                   responses={201: ReportSerializer, 409: ErrorSerializer, **ERRORS})
    def post(self, request, *args, **kwargs):
        token = self.acting_token()
        return idempotent(token.agent, request, lambda: self._create(request, token))

    def _create(self, request, token) -> Response:
        data = ReportInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        subject = values.pop("subject_credit_code")
        report = _call(centre_services.report_file, reporter=token.agent, subject=subject, author=request.user,
                       **values)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

