"""The simulation page for the finance company and the government (docs/simulation.md)."""

import json

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import ActingMixin

from .forms import WORK_CAP, SimulationForm
from .model import Params, simulate

ROWS = (  # metric, label, how it reads
    ("default_rate", _("Default rate of the loans"), "percent"),
    ("repayment_rate", _("Principal repaid (by the firm or its group)"), "percent"),
    ("spread_good", _("Average spread, good firms"), "percent"),
    ("spread_bad", _("Average spread, bad firms"), "percent"),
    ("spread_gap", _("Spread gap bad − good"), "percent"),
    ("spread_sd", _("Dispersion of spreads (standard deviation)"), "percent"),
    ("spread_sd_good", _("Dispersion of spreads, good firms"), "percent"),
    ("spread_sd_bad", _("Dispersion of spreads, bad firms"), "percent"),
    ("good_funded_share", _("Good firms funded (share of good firm-years)"), "percent"),
    ("good_rationed_share", _("Good firms rationed or priced out"), "percent"),
    ("low_effort_share", _("Low effort among funded firms (moral hazard)"), "percent"),
    ("private_money", _("Private investors' money drawn in (yuan)"), "yuan"),
    ("finance_company_losses", _("The finance company's credit losses (yuan)"), "yuan"),
    ("lent", _("Money lent in all (yuan)"), "yuan"),
)
CHECK_LABELS = {
    "sharing_lowers_defaults": _("Information sharing lowers default rates"),
    "sharing_widens_access": _("Information sharing widens access for good borrowers"),
    "information_lowers_rationing": _("Tighter information lowers rationing of safe borrowers"),
}
CHARTED = ("default_rate", "good_funded_share", "low_effort_share", "repayment_rate")


def _fmt(value, kind):
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if kind == "percent" else f"{value:,.0f}"


class SimulationView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.GOVERNMENT)
    template_name = "clusterfinance/simulation/page.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        bound = "firms" in self.request.GET
        form = SimulationForm(self.request.GET if bound else None)
        ctx.update(form=form, work_cap=WORK_CAP)
        if bound and not form.is_valid():
            return ctx
        d = form.cleaned_data if bound else {n: f.initial for n, f in form.fields.items()}
        result = simulate(Params(firms=d["firms"], months=d["months"], seeds=d["seeds"], seed=d["seed"],
                                 scenario=d["scenario"], delay_months=d["delay_months"], groups=bool(d["groups"])))
        rows = []
        for metric, label, kind in ROWS:
            cells = {}
            for arm in ("without", "with"):
                b = result["summary"][metric][arm]
                band = f"{_fmt(b['low'], kind)} – {_fmt(b['high'], kind)}" if b["low"] is not None else ""
                cells[arm] = {"mean": _fmt(b["mean"], kind), "band": band}
            rows.append({"metric": metric, "label": label, **cells})
        chart = {"metrics": [str(label) for m, label, _k in ROWS if m in CHARTED],
                 "without": [round(result["summary"][m]["without"]["mean"] * 100, 2) for m in CHARTED],
                 "with": [round(result["summary"][m]["with"]["mean"] * 100, 2) for m in CHARTED],
                 "months": list(range(1, len(result["monthly_defaults"]["with"]) + 1)),
                 "defaults_without": result["monthly_defaults"]["without"],
                 "defaults_with": result["monthly_defaults"]["with"]}
        per_seed = [{"seed": s["seed"], "without": _fmt(s["without"]["default_rate"], "percent"),
                     "with": _fmt(s["with"]["default_rate"], "percent"),
                     "good_without": _fmt(s["without"]["good_funded_share"], "percent"),
                     "good_with": _fmt(s["with"]["good_funded_share"], "percent")} for s in result["per_seed"]]
        checks = [{**c, "label": CHECK_LABELS[c["code"]]} for c in result["checks"]]
        ctx.update(result=result, rows=rows, chart=json.dumps(chart), per_seed=per_seed, checks=checks,
                   monthly=list(zip(chart["months"], chart["defaults_without"], chart["defaults_with"], strict=True)),
                   params=result["params"])
        return ctx
