"""``python manage.py guarantee_network --edges EDGES.csv --firms FIRMS.csv [--default FIRM ...]``

The guarantee network of your own data: its circles (every strongly connected group of two or
more firms, with members and exposure) and, for the defaults given, the rounds of failures that
follow and the total called (the rule is in docs/finance-company.md). Prints JSON.

EDGES.csv: ``guarantor,borrower,amount``; FIRMS.csv: ``firm,capacity`` (UTF-8 with or without
BOM, or GBK; a header row; amounts in yuan as written, e.g. ``1200000.00``).
"""

import csv
import io
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agents.money import parse_amount
from clusterfinance.guarantees.network import Guarantee, as_dict, build_graph, circles, contagion


def _rows(path: str, columns: tuple[str, ...]) -> list[dict]:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{path}: no such file")
    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CommandError(f"{path}: the file is neither UTF-8 nor GBK text")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise CommandError(f"{path}: the header must name {', '.join(columns)} (missing: {', '.join(missing)})")
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _amount(value: str, where: str, errors: list[str]):
    try:
        return parse_amount(value, allow_zero=True)
    except ValidationError as error:
        errors.append(f"{where}: {' '.join(str(m) for m in error.messages)}")
        return None


class Command(BaseCommand):
    help = "Circles of a guarantee network and the contagion of given defaults, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--edges", required=True, help="CSV: guarantor,borrower,amount")
        parser.add_argument("--firms", required=True, help="CSV: firm,capacity")
        parser.add_argument("--default", nargs="*", default=[], metavar="FIRM", help="firms that default")

    def handle(self, *args, edges: str, firms: str, default: list[str], **options):
        errors: list[str] = []
        guarantees = []
        for n, row in enumerate(_rows(edges, ("guarantor", "borrower", "amount")), start=2):
            amount = _amount(row["amount"], f"{edges} line {n}", errors)
            if not row["guarantor"] or not row["borrower"]:
                errors.append(f"{edges} line {n}: guarantor and borrower are required")
            elif amount is not None:
                guarantees.append(Guarantee(row["guarantor"], row["borrower"], amount))
        capacities = {}
        for n, row in enumerate(_rows(firms, ("firm", "capacity")), start=2):
            amount = _amount(row["capacity"], f"{firms} line {n}", errors)
            if not row["firm"]:
                errors.append(f"{firms} line {n}: the firm is required")
            elif amount is not None:
                capacities[row["firm"]] = amount
        unknown = sorted({f for f in default if f not in capacities})
        if unknown:
            errors.append(f"--default: not in {firms}: {', '.join(unknown)}")
        if errors:
            raise CommandError("nothing was computed:\n  " + "\n  ".join(errors[:50]))
        graph = build_graph(guarantees)
        stress = contagion(graph, capacities, default) if default else None
        self.stdout.write(json.dumps(as_dict(circles(graph, capacities), stress), ensure_ascii=False, indent=2))
