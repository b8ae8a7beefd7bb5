"""The dashboard's figures as an Excel workbook: one sheet of headline figures, then the
portfolio by grade, by industry and by class, the liquidity projection and the guarantee
circles. Amounts are numbers (yuan, two decimals), ratios are numbers (0.1234 = 12.34 %),
text that a spreadsheet would run as a formula is escaped (``infocenter.exports.escape_cell``)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from infocenter.exports import XLSX_TYPE, escape_cell

MONEY_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.00%"


def _sheet(workbook, title: str, header: list, rows: list[list], ratio_columns=()):
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([escape_cell(force_str(h)) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([escape_cell(force_str(v)) if not isinstance(v, Decimal | int | type(None)) else v for v in row])
        for n, cell in enumerate(sheet[sheet.max_row]):
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif n in ratio_columns:
                cell.number_format = RATIO_FORMAT
            elif isinstance(row[n], Decimal):
                cell.number_format = MONEY_FORMAT
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    return sheet


def quality_rows(groups) -> list[list]:
    return [[q.label or q.key, q.count, q.gross, q.par30_amount, q.par30, q.par90_amount, q.par90, q.npl_amount,
             q.npl_ratio] for q in groups]


def dashboard_workbook(*, cluster, filters, quality, policy, liquidity, queue, guarantees) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    total = quality.total
    guarantees = guarantees or {"fund": None, "circles": [], "at_risk": 0}
    fund = guarantees["fund"]
    month = filters.month.strftime("%Y-%m") if filters.month else ""
    headline = [
        [_("Cluster"), cluster.name], [_("As of"), timezone.localdate().isoformat()],
        [_("Filters"), filters.query() or _("none")], [_("Disbursed in"), month],
        [_("Active loans"), total.count], [_("Gross outstanding principal (yuan)"), total.gross],
        [_("PAR30 amount (yuan)"), total.par30_amount], [_("PAR30"), total.par30],
        [_("PAR90 amount (yuan)"), total.par90_amount], [_("PAR90"), total.par90],
        [_("Non-performing amount (yuan)"), total.npl_amount], [_("NPL ratio"), total.npl_ratio],
        [_("Cash in the pool (yuan)"), liquidity.cash], [_("Owed to the sources (yuan)"), liquidity.owed],
        [_("Reserve ratio"), liquidity.reserve_ratio], [_("Reserve floor"), liquidity.reserve_floor],
        [_("Months below the floor in the next 12"), len(liquidity.months_below_floor)],
        [_("Applications waiting for money"), queue["count"]], [_("Amount waiting (yuan)"), queue["amount"]],
        [_("Guarantee fund capital (yuan)"), fund.capital if fund else None],
        [_("Guarantees outstanding (yuan)"), fund.outstanding if fund else None],
        [_("Leverage cap (× capital)"), fund.leverage_cap if fund else None],
        [_("Headroom under the cap (yuan)"), fund.headroom if fund else None],
        [_("Guarantee circles"), len(guarantees["circles"])], [_("Circles at risk"), guarantees["at_risk"]],
    ]
    ratios = {_("PAR30"), _("PAR90"), _("NPL ratio"), _("Reserve ratio"), _("Reserve floor")}
    sheet = _sheet(workbook, _("Figures"), [_("Figure"), _("Value")], headline)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in ratios:
            row[1].number_format = RATIO_FORMAT
    quality_header = [_("Group"), _("Active loans"), _("Outstanding (yuan)"), _("PAR30 amount (yuan)"), _("PAR30"),
                      _("PAR90 amount (yuan)"), _("PAR90"), _("Non-performing amount (yuan)"), _("NPL ratio")]
    _sheet(workbook, _("By grade"), quality_header, quality_rows(quality.by_grade), ratio_columns=(4, 6, 8))
    _sheet(workbook, _("By industry"), quality_header, quality_rows(quality.by_industry), ratio_columns=(4, 6, 8))
    _sheet(workbook, _("By class"), [_("Classification (五级分类)"), _("Active loans"), _("Outstanding (yuan)"),
                                     _("Share")],
           [[r["label"], r["count"], r["outstanding"], r["share"]] for r in total.class_rows()], ratio_columns=(3,))
    _sheet(workbook, _("Liquidity"), [_("Month"), _("Inflow (yuan)"), _("Interest out (yuan)"),
                                      _("Principal out (yuan)"), _("Cash at month end (yuan)"), _("Reserve ratio"),
                                      _("Below the floor")],
           [[m.month.strftime("%Y-%m"), m.inflow, m.interest, m.principal, m.cash, m.reserve_ratio,
             _("yes") if m.below_floor else _("no")] for m in liquidity.projection], ratio_columns=(5,))
    _sheet(workbook, _("Circles"), [_("Members"), _("Exposure (yuan)"), _("Capacity (yuan)"), _("Exposure / capacity"),
                                    _("At risk")],
           [["、".join(c["members"]), c["exposure"], c["capacity"], c["ratio"], _("yes") if c["alert"] else _("no")]
            for c in guarantees["circles"]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
