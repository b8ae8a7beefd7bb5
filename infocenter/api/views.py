"""Endpoints of the API. Reads go through ``restrict()`` exactly as the pages do; writes call
the same services as the pages and carry an optional ``Idempotency-Key``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..choices import ImportStatus, RecordKind
from ..imports import selectors
from ..imports.services import firm_record_save, import_job_create, import_job_enqueue, records_access_log
from .authentication import ApiTokenAuthentication
from .idempotency import HEADER, idempotent
from .parsers import DecimalJSONParser
from .serializers import (
    ErrorSerializer,
    FirmRecordInputSerializer,
    FirmRecordSerializer,
    ImportJobSerializer,
    ImportUploadSerializer,
    RecordFilterSerializer,
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID): a retry with the same key and body returns the first answer; "
                "another body with the same key returns 409.")
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field"),
    401: OpenApiResponse(ErrorSerializer, description="No or invalid token"),
    403: OpenApiResponse(ErrorSerializer, description="The agent may not do this"),
}


def drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in
                                           exc.error_dict.items()})
    return exceptions.ValidationError({"detail": exc.messages})


class ApiView:
    """Token (or, for reading in the browser, session) authentication; JSON only."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [DecimalJSONParser]
    renderer_classes = [JSONRenderer]

    def acting_token(self):
        token = getattr(self.request.user, "api_token", None)
        if token is None:
            raise exceptions.PermissionDenied(_("Writing through the API needs an API token (Authorization: Token "
                                                "<key>)."))
        return token


class FirmRecordListCreateView(ApiView, generics.ListCreateAPIView):
    serializer_class = FirmRecordSerializer

    def get_queryset(self):
        # Validated like a body: a NUL character or an unknown kind is a 400, never a database error.
        params = RecordFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        return selectors.records_for(self.request.user, q=filters.get("credit_code", ""),
                                     kind=filters.get("kind", ""), period=filters.get("period", ""))

    @extend_schema(
        summary="Firm records you may see",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=RecordKind.values),
            OpenApiParameter("period", OpenApiTypes.STR, description="2026-09, 2026Q3 or 2026"),
            OpenApiParameter("credit_code", OpenApiTypes.STR, description="Unified social credit code of a firm"),
        ],
        responses={200: FirmRecordSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            records_access_log(user=self.request.user, firm_regions={r.agent_id: r.agent.region_code for r in page},
                               page=self.request.get_full_path())
        return page

    @extend_schema(
        summary="Create or replace a record (same firm, period and kind)",
        request=FirmRecordInputSerializer, parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: FirmRecordSerializer, 200: FirmRecordSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        token = self.acting_token()
        return idempotent(token.agent, request, lambda: self._create(request, token))

    def _create(self, request, token) -> Response:
        data = FirmRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record, created = firm_record_save(
                user=request.user, agent=token.agent, kind=data.validated_data["kind"],
                credit_code=data.validated_data["credit_code"], period=data.validated_data["period"],
                figures=data.figures(), source_name=data.validated_data.get("source_name", ""))
        except DjangoValidationError as exc:
            raise drf_validation_error(exc)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc))
        body = FirmRecordSerializer(record, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ImportJobListView(ApiView, generics.ListCreateAPIView):
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, DecimalJSONParser]

    def get_queryset(self):
        qs = selectors.import_jobs_for(self.request.user)
        job_status = self.request.query_params.get("status", "")
        if job_status:
            if job_status not in ImportStatus.values:
                raise exceptions.ValidationError({"status": [_("Unknown status.")]})
            qs = qs.filter(status=job_status)
        return qs

    @extend_schema(summary="Your agent's import jobs",
                   parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=ImportStatus.values)],
                   responses={200: ImportJobSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Upload a file of records: the same import as the web page, run by a worker",
        description="Answers 202 with the queued job; poll GET /api/imports/{id}/ until it has "
                    "succeeded or failed. The columns must have known names (no mapping step).",
        request={"multipart/form-data": ImportUploadSerializer}, parameters=[IDEMPOTENCY_PARAMETER],
        responses={202: ImportJobSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        token = self.acting_token()
        return idempotent(token.agent, request, lambda: self._create(request, token))

    def _create(self, request, token) -> Response:
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = import_job_create(user=request.user, agent=token.agent, kind=data.validated_data["kind"],
                                    file=data.validated_data["file"],
                                    source_name=data.validated_data.get("source_name", ""), allow_mapping=False)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages})
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc))
        # The worker starts once the job (and the idempotency record) are committed.
        transaction.on_commit(lambda: import_job_enqueue(job), robust=True)
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ImportJobDetailView(ApiView, generics.RetrieveAPIView):
    serializer_class = ImportJobSerializer

    def get_queryset(self):
        return selectors.import_jobs_for(self.request.user)

    @extend_schema(summary="Status and progress of one import job",
                   responses={200: ImportJobSerializer, 404: ErrorSerializer, **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
