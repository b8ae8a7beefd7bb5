"""``python manage.py allocate --problem FILE.json [--greedy]``: the pool's allocation solver on
your own numbers (the same code the allocation runs use). Prints the allocation as JSON; the
file format is in docs/finance-company.md."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusterfinance.allocation.solver import ProblemError, greedy, problem_from_dict, solve


def _no_constant(name):
    raise ValueError(f"{name} is not a number this file may hold")


class Command(BaseCommand):
    help = "Solve an allocation problem (sources, applications, constraints) and print the allocation as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--problem", required=True, help="the problem file (JSON)")
        parser.add_argument("--greedy", action="store_true", help="also print the greedy fill for comparison")
        parser.add_argument("--time-limit", type=float, default=60.0, help="seconds the solver may take")

    def handle(self, *args, problem: str, time_limit: float = 60.0, **options):
        path = Path(problem)
        if not path.is_file():
            raise CommandError(f"{problem}: no such file")
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"), parse_constant=_no_constant)
        except UnicodeDecodeError:
            raise CommandError(f"{problem}: the file is not UTF-8 text")
        except (ValueError, RecursionError) as error:
            raise CommandError(f"{problem}: not valid JSON ({error})")
        try:
            parsed = problem_from_dict(data)
        except ProblemError as error:
            raise CommandError("the problem is not valid:\n  " + "\n  ".join(error.errors))
        result = solve(parsed, time_limit=time_limit).as_dict()
        if options.get("greedy"):
            result = {"optimal": result, "greedy": greedy(parsed).as_dict()}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
