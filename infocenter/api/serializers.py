"""Shapes of the API. Amounts travel as strings (``"1234.56"``) or JSON numbers read as Decimal."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import ImportStatus, RecordKind
from ..models import FirmRecord, ImportJob
from ..models.records import ALL_FIGURES


@extend_schema_field({"oneOf": [{"type": "string", "format": "decimal", "example": "1234.56"},
                                {"type": "number"}], "nullable": True})
class AmountInputField(serializers.Field):
    """Passed through untouched: the service parses it with the import's rules."""

    default_error_messages = {"invalid": _("Give the amount as a string such as \"1234.56\" or a number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | Decimal):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class FirmRecordInputSerializer(serializers.Serializer):
    credit_code = serializers.CharField(max_length=40, help_text=_("Unified social credit code of the firm"))
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    period = serializers.CharField(max_length=20, help_text=_("2026-09, 2026Q3 or 2026"))
    source_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    revenue = AmountInputField(required=False, allow_null=True)
    net_profit = AmountInputField(required=False, allow_null=True)
    total_assets = AmountInputField(required=False, allow_null=True)
    total_liabilities = AmountInputField(required=False, allow_null=True)
    tax_paid = AmountInputField(required=False, allow_null=True)
    tax_arrears = AmountInputField(required=False, allow_null=True)
    insured_headcount = AmountInputField(required=False, allow_null=True)
    contributions_paid = AmountInputField(required=False, allow_null=True)
    contribution_arrears = AmountInputField(required=False, allow_null=True)

    def figures(self) -> dict:
        return {name: self.validated_data[name] for name in ALL_FIGURES if name in self.validated_data}


def _money(**kwargs):
    return serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, allow_null=True,
                                    read_only=True, **kwargs)


class FirmRecordSerializer(serializers.ModelSerializer):
    firm_id = serializers.IntegerField(source="agent_id", read_only=True)
    firm_name = serializers.CharField(source="agent.name", read_only=True)
    credit_code = serializers.CharField(source="agent.credit_code", read_only=True)
    supplied_by = serializers.CharField(source="supplied_by.name", read_only=True)
    revenue = _money()
    net_profit = _money()
    total_assets = _money()
    total_liabilities = _money()
    tax_paid = _money()
    tax_arrears = _money()
    contributions_paid = _money()
    contribution_arrears = _money()
    insured_headcount = serializers.IntegerField(read_only=True, allow_null=True)
    import_job = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = FirmRecord
        fields = ["id", "firm_id", "firm_name", "credit_code", "kind", "period", "period_type", "period_start",
                  "period_end", *ALL_FIGURES, "source", "source_name", "supplied_by", "import_job", "created_at",
                  "updated_at"]
        read_only_fields = fields


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ImportStatus.choices, read_only=True)
    percent = serializers.IntegerField(read_only=True)
    first_errors = ImportErrorSerializer(source="error_preview", many=True, read_only=True)
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "status", "percent", "original_name", "file_format", "encoding", "source_name",
                  "total_rows", "processed_rows", "created_rows", "updated_rows", "error_count", "message", "first_errors",
                  "error_report_url", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_error_report_url(self, job) -> str | None:
        if not job.error_report:
            return None
        from django.urls import reverse

        url = reverse("infocenter:import-errors", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    file = serializers.FileField(help_text=_("CSV (UTF-8, UTF-8 with BOM or GBK) or Excel .xlsx; the first row names "
                                             "the columns"))
    source_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RecordFilterSerializer(serializers.Serializer):
    """The query parameters of the record list."""

    kind = serializers.ChoiceField(choices=RecordKind.choices, required=False, allow_blank=True)
    period = serializers.CharField(max_length=20, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
