"""Train a statistical scorecard on a CSV or Excel file of past borrowers and print how well it separates
good from bad on rows it never saw (AUC, KS, Gini), the information value of each column and the
calibration by grade. ``--save NAME`` keeps the model as a draft statistical scorecard version that a
manager approves before it rates anyone."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clusterfinance.rating import training


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = ("Train a statistical scorecard (binning, WoE, logistic regression) on a CSV (UTF-8 or GBK) or "
            "Excel .xlsx file with one row per past borrower and a good/bad column; print holdout AUC, KS, "
            "Gini, the IV of every column and the calibration by grade.")

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True, metavar="FILE", help="CSV or .xlsx file, header in row 1")
        parser.add_argument("--target", required=True, metavar="COLUMN", help="the good/bad column")
        parser.add_argument("--bad-value", required=True, metavar="VALUE",
                            help="the value of --target that marks a bad borrower (e.g. 1, bad, 违约)")
        parser.add_argument("--test-size", type=float, default=0.3, help="share of rows kept back (default 0.3)")
        parser.add_argument("--seed", type=int, default=1, help="seed of the split (default 1)")
        parser.add_argument("--exclude", action="append", default=[], metavar="COLUMN",
                            help="a column not to learn from (repeatable)")
        parser.add_argument("--save", metavar="NAME",
                            help="store the model as a draft statistical scorecard version with this name")
        parser.add_argument("--finance-company", type=int, metavar="AGENT_ID",
                            help="with --save: the finance company that owns the scorecard (default: the only one)")
        parser.add_argument("--prepared-by", metavar="EMAIL",
                            help="with --save: the e-mail (or user name) of the finance company's analyst or manager "
                                 "who prepared the model; another manager approves it")

    def handle(self, *args, **options):
        path = Path(options["csv"])
        saving = None
        if options["save"]:  # who keeps it is checked before the training, not after it
            saving = (self._finance_company(options["finance_company"]), self._preparer(options["prepared_by"]))
        elif options["finance_company"] or options["prepared_by"]:
            raise CommandError("--finance-company and --prepared-by go with --save NAME.")
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        opts = training.TrainingOptions(test_size=options["test_size"], seed=options["seed"],
                                        exclude=tuple(options["exclude"]))
        try:
            with path.open("rb") as fileobj:
                table = training.read_table(fileobj)
            result = training.train_scorecard(table, target=options["target"], bad_value=options["bad_value"],
                                              options=opts)
        except training.TrainingError as exc:
            raise CommandError(str(exc))
        except OSError as exc:
            raise CommandError(f"{path} cannot be read: {exc.strerror or exc}")
        self._report(result)
        if saving:
            self._save(result, name=options["save"], finance_company=saving[0], prepared_by=saving[1])

    def _report(self, result: training.TrainingResult) -> None:
        model, m, out = result.model, result.metrics, self.stdout
        t = model["training"]
        out.write(f"Rows: {t['rows']} ({t['bads']} bad, {t['bad_rate']:.1%}); training {t['train_rows']}, "
                  f"holdout {t['test_rows']} (test size {t['test_size']}, seed {t['seed']})")
        for note in result.notes:
            out.write(f"Note: {note}")
        out.write("")
        out.write(f"Holdout AUC:  {m['auc']:.4f}   (training {m['train_auc']:.4f})")
        out.write(f"Holdout KS:   {m['ks']:.4f}")
        out.write(f"Holdout Gini: {m['gini']:.4f}")
        out.write("")
        used = {f["name"] for f in model["features"]}
        out.write("Information value (IV) per column:")
        for row in sorted(model["analysed"], key=lambda r: -r["iv"]):
            mark = "in the model" if row["name"] in used else "left out"
            out.write(f"  {row['name']:<30} {row['iv']:8.4f}  {row['type']:<11} {mark}")
        out.write("")
        out.write("Bins (WoE, points):")
        for f in model["features"]:
            out.write(f"  {f['name']}  (IV {f['iv']:.4f}, coefficient {f['coefficient']:.4f})")
            for b in f["bins"]:
                out.write(f"    {b['label'][:40]:<40} n={b['count']:<6} bad {_percent(b['bad_rate']):>6}  "
                          f"WoE {b['woe']:+.3f}  {b['points']:7.1f} pts")
        s = model["scaling"]
        out.write("")
        out.write(f"Score scale: {s['base_score']:g} points at odds {s['base_odds']:g}:1, {s['pdo']:g} points to "
                  "double the odds")
        out.write("Calibration by grade (holdout):")
        out.write(f"  {'grade':<5} {'min score':>9} {'rows':>6} {'observed':>9} {'mean PD':>8}")
        for g, c in zip(model["grades"], result.calibration, strict=True):
            low = "" if g["min_score"] is None else f"{g['min_score']:.0f}"
            out.write(f"  {c['grade']:<5} {low:>9} {c['count']:>6} {_percent(c['observed_bad_rate']):>9} "
                      f"{_percent(c['mean_pd']):>8}")

    def _finance_company(self, agent_id):
        from agents.choices import AgentKind
        from agents.models import Agent

        companies = Agent.objects.filter(kind=AgentKind.FINANCE_COMPANY)
        if agent_id is not None:
            company = companies.filter(pk=agent_id).first()
            if company is None:
                raise CommandError(f"No finance company has the id {agent_id}.")
            return company
        found = list(companies.filter(status="active").order_by("pk")[:2])
        if len(found) != 1:
            raise CommandError("Name the finance company that keeps the scorecard with --finance-company AGENT_ID "
                               f"({'there is none' if not found else 'there are several'}).")
        return found[0]

    def _preparer(self, who):
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        if not who:
            raise CommandError("--save needs --prepared-by EMAIL: the person who prepared the model (a manager "
                               "other than them approves it).")
        User = get_user_model()  # noqa: N806
        users = list(User.objects.filter(Q(email__iexact=who) | Q(**{User.USERNAME_FIELD: who}), is_active=True)[:2])
        if len(users) != 1:
            raise CommandError(f"No single active user is “{who}”.")
        return users[0]

    def _save(self, result, *, name, finance_company, prepared_by):
        from django.core.exceptions import PermissionDenied, ValidationError

        from clusterfinance.rating.services import statistical_model_inputs, statistical_scorecard_submit

        try:
            version = statistical_scorecard_submit(owner=finance_company, name=name, model=result.model,
                                                   prepared_by=prepared_by)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", None) or [str(exc)]))
        _matched, unmatched = statistical_model_inputs(result.model)
        out = self.stdout
        out.write("")
        if unmatched:
            out.write("Note: these columns are not inputs of the rating; every member scores as missing on them: "
                      + ", ".join(unmatched))
        out.write(self.style.SUCCESS(
            f"Saved as draft statistical scorecard version {version.number} “{version.name}” (id {version.pk}) of "
            f"{finance_company.name}. A manager other than {prepared_by} approves it before it rates anyone: "
            f"{version.get_absolute_url()}"))
