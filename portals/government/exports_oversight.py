"""The oversight dashboard as an Excel workbook (openpyxl) and as a printable PDF report
(reportlab). The PDF uses reportlab's built-in CID font ``STSong-Light`` (Adobe's Chinese
simplified font pack, resolved by the PDF reader), so Chinese renders on a fresh machine with no
font file or system package installed."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils.translation import gettext as _

from .selectors_oversight import Dashboard

CID_FONT = "STSong-Light"


def _pct(value) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"


def _yuan(value) -> str:
    return f"{Decimal(value):,.2f}"


def _book_header() -> list[str]:
    return [_("Group"), _("Active loans"), _("Outstanding"), _("PAR30"), _("PAR90"), _("NPL ratio"),
            _("Average rate")]


def _book_row(f) -> list:
    return [f.label, f.count, _yuan(f.outstanding), _pct(f.par30), _pct(f.par90), _pct(f.npl_ratio),
            _pct(f.average_rate)]


def sections(d: Dashboard, *, region: str) -> list[tuple[str, list[list]]]:
    """The report's tables, shared by the workbook and the PDF: (title, rows with a header row)."""
    t = d.total
    summary = [
        [_("Figure"), _("Value")],
        [_("Region"), region],
        [_("As of"), d.as_of.isoformat()],
        [_("Active loans"), t.count],
        [_("Outstanding"), _yuan(t.outstanding)],
        [_("PAR30"), _pct(t.par30)],
        [_("PAR90"), _pct(t.par90)],
        [_("NPL ratio"), _pct(t.npl_ratio)],
        [_("Average rate"), _pct(t.average_rate)],
        [_("LPR in force"), _pct(d.lpr.value) if d.lpr else "—"],
        [_("Average rate minus LPR"), _pct(d.rate_spread)],
        [_("Private investment outstanding"), _yuan(d.private.outstanding)],
        [_("Private investors lending"), d.private.investors],
        [_("Small and medium institutions by count"), _pct(d.sme.count_share)],
        [_("Small and medium institutions by lending volume"), _pct(d.sme.volume_share)],
        [_("Circles at risk"), d.circles_at_risk],
        [_("Open compliance alerts"), d.open_alerts],
        [_("Information coverage"), _pct(d.coverage.get("coverage"))],
        [_("Firms below half coverage"), d.coverage.get("low_coverage", 0)],
    ]
    return [
        (_("Summary"), summary),
        (_("Lending by lender kind"), [_book_header(), *[_book_row(f) for f in d.by_lender]]),
        (_("Lending by industry"), [_book_header(), *[_book_row(f) for f in d.by_industry]]),
        (_("Lending by grade"), [_book_header(), *[_book_row(f) for f in d.by_grade]]),
        (_("Trends by month"), [[_("Month"), _("Loans disbursed"), _("Principal disbursed"),
                                 _("Of which private investors"), _("Repayments collected")],
                                *[[m["label"], m["count"], _yuan(m["disbursed"]), _yuan(m["private"]),
                                   _yuan(m["repaid"])] for m in d.trend]]),
        (_("Guarantee funds"), [[_("Cluster"), _("Capital"), _("Outstanding"), _("Capacity"), _("Headroom"),
                                 _("Used")],
                                *[[f.cluster, _yuan(f.capital), _yuan(f.outstanding), _yuan(f.capacity),
                                   _yuan(f.headroom), _pct(f.used)] for f in d.funds]]),
    ]


def dashboard_workbook(d: Dashboard, *, region: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sections(d, region=region):
        ws = wb.create_sheet(title=title[:31])
        for row in rows:
            ws.append(row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def dashboard_pdf(d: Dashboard, *, region: str, authority: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    title_style = ParagraphStyle("title", fontName=CID_FONT, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=CID_FONT, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=CID_FONT, fontSize=8, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=_("Oversight report"), author=authority)
    story = [Paragraph(f"{_('Oversight report')} · {authority}", title_style),
             Paragraph(f"{_('Region')}: {region} · {_('As of')}: {d.as_of.isoformat()}", body)]
    for title, rows in sections(d, region=region):
        story.append(Paragraph(title, heading))
        cells = [[Paragraph(str(c), body) for c in row] for row in rows]
        table = Table(cells, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), CID_FONT),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef5")),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#b0b8c4")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story += [table, Spacer(1, 4)]
    doc.build(story)
    return out.getvalue()
