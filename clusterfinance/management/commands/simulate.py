"""``manage.py simulate``: the simulation of the loop's value, with and without the centre
(clusterfinance/simulation; docs/simulation.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from clusterfinance.simulation.model import METRICS, SCENARIOS, Params, simulate


class Command(BaseCommand):
    help = "Simulate a synthetic cluster with and without the centre and print the results side by side."

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, default=500)
        parser.add_argument("--months", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--seeds", type=int, default=1, help="how many seeds from --seed (95%% band over them)")
        parser.add_argument("--scenario", choices=SCENARIOS, default="baseline")
        parser.add_argument("--delay-months", type=int, default=6)
        parser.add_argument("--groups", choices=("on", "off"), default="off")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        if not 10 <= o["firms"] <= 100_000 or not 12 <= o["months"] <= 600 or not 1 <= o["seeds"] <= 200:
            raise CommandError("firms 10–100000, months 12–600, seeds 1–200")
        if not 0 <= o["delay_months"] <= 60:
            raise CommandError("delay-months 0–60")
        result = simulate(Params(firms=o["firms"], months=o["months"], seed=o["seed"], seeds=o["seeds"],
                                 scenario=o["scenario"], delay_months=o["delay_months"], groups=o["groups"] == "on"))
        if o["json"]:
            self.stdout.write(json.dumps(result, indent=1))
            return
        self.stdout.write(f"{'metric':26} {'without the centre':>26} {'with the centre':>26}")
        for m in METRICS:
            cells = []
            for arm in ("without", "with"):
                b = result["summary"][m][arm]
                band = f" [{b['low']:.4g}, {b['high']:.4g}]" if b["low"] is not None else ""
                cells.append(f"{b['mean']:.4g}{band}")
            self.stdout.write(f"{m:26} {cells[0]:>26} {cells[1]:>26}")
        for c in result["checks"]:
            self.stdout.write(f"{'OK ' if c['holds'] else 'NOT'} {c['code']} ({c['source']})")
