"""The columns an import file may have, with the header names people actually use."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ..choices import RecordKind
from ..models.records import FIELDS_BY_KIND, REQUIRED_FIELDS


@dataclass(frozen=True)
class Column:
    field: str
    label: object
    aliases: tuple[str, ...]
    kind: str = "text"  # text, code, period, date, amount, count


COLUMNS: dict[str, Column] = {c.field: c for c in (
    Column("credit_code", _("Unified social credit code"),
           ("统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "credit_code", "credit code", "uscc",
            "unified social credit code"), "code"),
    Column("firm_name", _("Firm name"),
           ("企业名称", "单位名称", "纳税人名称", "公司名称", "firm", "firm_name", "firm name", "company",
            "enterprise", "name")),
    Column("period", _("Period"),
           ("期间", "所属期", "所属期间", "报告期", "会计期间", "税款所属期", "费款所属期", "period"), "period"),
    Column("reported_on", _("Reported on"),
           ("报送日期", "填报日期", "申报日期", "报告日期", "reported_on", "reported on", "report date", "date"), "date"),
    Column("revenue", _("Operating revenue"),
           ("营业收入", "营业总收入", "主营业务收入", "收入", "revenue", "operating revenue", "sales"), "amount"),
    Column("net_profit", _("Net profit"), ("净利润", "利润", "net_profit", "net profit", "profit"), "amount"),
    Column("total_assets", _("Total assets"),
           ("资产总额", "资产总计", "总资产", "total_assets", "total assets", "assets"), "amount"),
    Column("total_liabilities", _("Total liabilities"),
           ("负债总额", "负债合计", "总负债", "total_liabilities", "total liabilities", "liabilities"), "amount"),
    Column("tax_paid", _("Tax paid"),
           ("实缴税额", "已缴税额", "纳税额", "缴纳税额", "实缴税款", "tax_paid", "tax paid", "tax"), "amount"),
    Column("tax_arrears", _("Tax arrears"),
           ("欠税额", "欠缴税额", "欠税", "tax_arrears", "tax arrears"), "amount"),
    Column("insured_headcount", _("Insured employees"),
           ("参保人数", "参保职工人数", "insured_headcount", "insured headcount", "insured employees", "headcount"),
           "count"),
    Column("contributions_paid", _("Contributions paid"),
           ("实缴社保费", "社保缴费", "缴费金额", "实缴金额", "contributions_paid", "contributions paid",
            "contributions"), "amount"),
    Column("contribution_arrears", _("Contribution arrears"),
           ("欠缴社保费", "欠缴金额", "欠费金额", "contribution_arrears", "contribution arrears"), "amount"),
)}

COMMON_FIELDS = ("credit_code", "firm_name", "period", "reported_on")

# A header may carry its unit: 营业收入（万元） or "revenue (10k yuan)" means × 10,000.
_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[(\[（【](?P<unit>[^)\]）】]*)[)\]）】]\s*$")
UNITS = {"元": Decimal(1), "yuan": Decimal(1), "cny": Decimal(1), "rmb": Decimal(1), "人": Decimal(1),
         "万元": Decimal(10000), "万": Decimal(10000), "10k yuan": Decimal(10000), "10k": Decimal(10000)}


def normalise_header(text) -> str:
    """Compare headers without case, width, spaces, underscores or a BOM."""
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_\-]+", " ", text).strip()


def split_unit(header: str) -> tuple[str, Decimal | None]:
    """``营业收入（万元）`` → (``营业收入``, 10000); a header without a unit → (header, None)."""
    text = normalise_header(header)
    match = _UNIT_RE.match(text)
    if match and match["unit"].strip() in UNITS:
        return match["name"].strip(), UNITS[match["unit"].strip()]
    return text, None


def fields_for(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + FIELDS_BY_KIND[RecordKind(kind)]


def required_for(kind: str) -> tuple[str, ...]:
    return ("credit_code", "period") + REQUIRED_FIELDS[RecordKind(kind)]


def _alias_index() -> dict[str, str]:
    index = {}
    for column in COLUMNS.values():
        for alias in column.aliases:
            index[normalise_header(alias)] = column.field
    return index


ALIASES = _alias_index()


def guess_field(header: str, kind: str) -> str | None:
    """The field a header names for this kind of record, or None when it is unknown."""
    name, _unit = split_unit(header)
    field = ALIASES.get(name)
    return field if field in fields_for(kind) else None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how spreadsheet users name a column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
