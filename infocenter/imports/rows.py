"""Header analysis and per-row validation, shared by the import job and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from agents.models import Agent, cluster_members_q

from ..choices import RecordKind
from ..models.records import FIELDS_BY_KIND, SIGNED_FIELDS
from .columns import COLUMNS, column_letter, fields_for, guess_field, normalise_header, required_for, split_unit
from .values import is_formula, parse_count, parse_credit_code, parse_date, parse_figure, parse_period


@dataclass
class HeaderAnalysis:
    headers: list[str]
    mapping: dict[str, str]  # column index (as text, JSON keys) → field; "" = ignored
    unknown: list[int] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unknown and not self.missing


def _label(f: str) -> str:
    return str(COLUMNS[f].label)


def check_duplicate_headers(headers: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        if key in seen:
            raise ValidationError(
                _("The column “%(header)s” appears twice (columns %(first)s and %(second)s). Each column name "
                  "may appear only once: rename or delete one of them."), code="duplicate_header",
                params={"header": header, "first": column_letter(seen[key]), "second": column_letter(index)})
        seen[key] = index


def check_mapping(headers: list[str], mapping: dict[str, str], kind: str) -> list[str]:
    """Two columns for one field is an error; returns the required fields still missing."""
    owner: dict[str, int] = {}
    for key, target in sorted(mapping.items(), key=lambda kv: int(kv[0])):
        if not target:
            continue
        index = int(key)
        if target in owner:
            raise ValidationError(
                _("Columns %(first)s (“%(h1)s”) and %(second)s (“%(h2)s”) both hold “%(field)s”. Keep one and "
                  "ignore the other."), code="duplicate_field",
                params={"first": column_letter(owner[target]), "h1": headers[owner[target]],
                        "second": column_letter(index), "h2": headers[index], "field": _label(target)})
        owner[target] = index
    return [f for f in required_for(kind) if f not in owner]


def analyse_headers(headers: list[str], kind: str) -> HeaderAnalysis:
    check_duplicate_headers(headers)
    mapping, unknown = {}, []
    for index, header in enumerate(headers):
        if not normalise_header(header):
            mapping[str(index)] = ""  # unnamed column: ignored (its cells must be empty)
            continue
        target = guess_field(header, kind)
        mapping[str(index)] = target or ""
        if target is None:
            unknown.append(index)
    missing = check_mapping(headers, mapping, kind)
    return HeaderAnalysis(headers, mapping, unknown, missing)


def missing_message(missing: list[str]) -> str:
    return _("Required columns are missing: %(columns)s.") % {
        "columns": "、".join(f"“{_label(f)}”" for f in missing)}


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str


@dataclass
class ParsedRow:
    row: int
    agent_id: int
    period: object
    figures: dict
    reported_on: object = None


class FirmDirectory:
    """Which firms the importing agent may supply records for, looked up once per job:
    the government for firms of its region, the finance company for its cluster's members."""

    def __init__(self, *, agent: Agent, kind: str):
        q = Q(pk__in=[])
        if agent.kind == "government":
            from agents.restrict import region_prefix

            q = Q(region_code__startswith=region_prefix(agent.region_code))
        elif agent.kind == "finance_company" and kind == RecordKind.STATEMENT:
            q = cluster_members_q(finance_company=agent)
        self.allowed = dict(
            Agent.objects.filter(q, kind="enterprise", status="active").exclude(credit_code="")
            .values_list("credit_code", "pk").distinct())
        self._unknown_cache: dict[str, bool] = {}

    def resolve(self, code: str) -> int:
        agent_id = self.allowed.get(code)
        if agent_id is not None:
            return agent_id
        if code not in self._unknown_cache:
            self._unknown_cache[code] = Agent.objects.filter(credit_code=code).exists()
        if self._unknown_cache[code]:
            raise ValidationError(_("The firm %(code)s is registered, but not among the firms your agent supplies "
                                    "these records for."), code="not_allowed", params={"code": code})
        raise ValidationError(_("No firm with the credit code %(code)s is registered on the platform."),
                              code="unknown_firm", params={"code": code})


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class RowParser:
    """Turns the cells of one row into a ``ParsedRow`` or a list of ``RowError``."""

    def __init__(self, *, headers: list[str], mapping: dict[str, str], kind: str, directory: FirmDirectory):
        self.kind = RecordKind(kind)
        self.headers = headers
        self.directory = directory
        self.columns = {target: int(key) for key, target in mapping.items() if target}
        self.ignored = [int(key) for key, target in mapping.items() if not target and not headers[int(key)].strip()]
        self.scales = {target: split_unit(headers[idx])[1] for target, idx in self.columns.items()}
        self.figure_fields = [f for f in FIELDS_BY_KIND[self.kind] if f in self.columns]
        self.required = set(required_for(kind))
        self.seen: dict[tuple[int, str], int] = {}
        # Codes and periods repeat on many rows: parse each distinct text once.
        self._cache: dict[tuple[str, str], object] = {}
        assert set(self.columns) <= set(fields_for(kind))

    def _cell(self, cells, target):
        return cells[self.columns[target]] if target in self.columns else ""

    def parse(self, row_no: int, cells: list) -> ParsedRow | list[RowError] | None:
        if not any(str(c).strip() for c in cells):
            return None  # a blank line
        errors: list[RowError] = []

        def fail(target_or_index, value, message):
            if isinstance(target_or_index, int):
                header = self.headers[target_or_index] if target_or_index < len(self.headers) else ""
                column = f"{column_letter(target_or_index)} {header}".strip()
            else:
                idx = self.columns.get(target_or_index)
                column = f"{column_letter(idx)} {self.headers[idx]}" if idx is not None else _label(target_or_index)
            errors.append(RowError(row_no, column, str(value), message))

        formula_columns = {i for i, c in enumerate(cells) if is_formula(c)}
        for index in sorted(formula_columns):
            fail(index, cells[index], _("Formulas are not accepted as data: paste the values only "
                                        "(in Excel: Paste special → Values)."))
        for index in self.ignored:
            if str(cells[index]).strip() and index not in formula_columns:
                fail(index, cells[index], _("This column has no name; give it a header or leave it empty."))

        def run(target, parser, cache=False, **kwargs):
            idx = self.columns.get(target)
            if idx is not None and idx in formula_columns:
                return None
            raw = self._cell(cells, target)
            if target in self.required and not str(raw).strip():
                fail(target, raw, _("This value is required."))
                return None
            key = (target, raw)
            if cache and key in self._cache:
                result = self._cache[key]
            else:
                try:
                    result = parser(raw, **kwargs)
                except ValidationError as exc:
                    result = exc
                if cache:
                    self._cache[key] = result
            if isinstance(result, ValidationError):
                fail(target, raw, _message(result))
                return None
            return result

        agent_id = None
        code = run("credit_code", parse_credit_code, cache=True)
        if code:
            try:
                agent_id = self.directory.resolve(code)
            except ValidationError as exc:
                fail("credit_code", self._cell(cells, "credit_code"), _message(exc))
        period = run("period", parse_period, cache=True)
        reported_on = None
        if "reported_on" in self.columns and str(self._cell(cells, "reported_on")).strip():
            reported_on = run("reported_on", parse_date)
        figures = {}
        for name in self.figure_fields:
            if name == "insured_headcount":
                figures[name] = run(name, parse_count)
            else:
                figures[name] = run(name, parse_figure, signed=name in SIGNED_FIELDS, scale=self.scales.get(name))
        if agent_id and period:
            key = (agent_id, period.label)
            first = self.seen.get(key)
            if first is not None:
                fail("period", self._cell(cells, "period"),
                     _("The same firm and period already appear in row %(row)s.") % {"row": first})
            else:
                self.seen[key] = row_no
        if errors:
            return errors
        return ParsedRow(row_no, agent_id, period, figures, reported_on)


def decimal_or_none(value) -> Decimal | None:
    return value if value is None else Decimal(value)
