"""The nightly delinquency run (set-based SQL), bucket history, classification and write-off."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from lending import services
from lending.choices import AccountPurpose, InstalmentStatus, LoanStatus
from lending.ledger.checks import ledger_verify
from lending.ledger.models import Account
from lending.models import BucketMove, Instalment
from lending.tasks import delinquency_nightly
from lending.tests.factories import make_loan, pay

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
FIRST_DUE = date(2026, 2, 15)


@pytest.fixture
def loan(world):
    return make_loan(world, amount="12000", periods=12, rate="0.12", method="equal_principal", start=START)


def test_overdue_penalty_and_dpd(world, loan):
    report = services.delinquency_run(as_of=date(2026, 2, 16))
    assert report.newly_overdue == 1 and report.moves == 1
    loan.refresh_from_db()
    first = loan.instalments.get(period=1)
    assert first.status == InstalmentStatus.OVERDUE
    assert first.penalty_accrued == D("0.56")  # 1,120 × 18 % ÷ 360 × 1 day
    assert (loan.dpd, loan.bucket, loan.loan_class) == (1, "1-30", "special_mention")
    # the same night again changes nothing
    services.delinquency_run(as_of=date(2026, 2, 16))
    first.refresh_from_db()
    assert first.penalty_accrued == D("0.56") and BucketMove.objects.count() == 1
    # 32 more days on the first, 5 days on the second instalment (1,110 × 0.05 % × 5 = 2.775 → 2.78)
    services.delinquency_run(as_of=date(2026, 3, 20))
    first.refresh_from_db()
    second = loan.instalments.get(period=2)
    assert first.penalty_accrued == D("18.48") and second.penalty_accrued == D("2.78")
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (33, "31-60")


def test_the_nights_report_counts_every_instalment_and_loan_it_changed(world, loan):
    other = make_loan(world, amount="6000", periods=6, rate="0.12", method="equal_principal", start=START)
    # three months unpaid (due 15 February, March, April): three instalments of each fall overdue in one night
    report = services.delinquency_run(as_of=date(2026, 5, 10))
    assert (report.newly_overdue, report.penalty_accruals) == (6, 6)
    assert report.moves == 2 and report.dpd_changes == 2 and report.reclassified == 2
    assert set(report.seconds) == {"mark_overdue", "accrue_penalty", "dpd", "moves", "events", "classify"}
    assert Instalment.objects.filter(loan__in=[loan, other], status=InstalmentStatus.OVERDUE).count() == 6
    # the next night: nothing newly overdue, the six accrue one more day, both loans stay in 61–90
    report = services.delinquency_run(as_of=date(2026, 5, 11))
    assert (report.newly_overdue, report.penalty_accruals, report.moves, report.dpd_changes) == (0, 6, 0, 2)


def test_nightly_and_payment_time_penalty_agree(world, loan):
    other = make_loan(world, amount="12000", periods=12, rate="0.12", method="equal_principal", start=START)
    for day in range(1, 40):  # nightly accrual, day by day
        services.delinquency_run(as_of=FIRST_DUE + timedelta(days=day))
    quote_nightly = services.loan_payoff_quote(loan=loan, on=FIRST_DUE + timedelta(days=39))
    quote_direct = services.loan_payoff_quote(loan=other, on=FIRST_DUE + timedelta(days=39))
    # daily rounding may differ from one rounding by at most a fen per night
    assert abs(quote_nightly["penalty"] - quote_direct["penalty"]) <= D("0.39")
    assert quote_nightly["principal"] == quote_direct["principal"]


@pytest.mark.parametrize(("days_late", "bucket", "loan_class"), [
    (0, "current", "normal"), (1, "1-30", "special_mention"), (30, "1-30", "special_mention"),
    (31, "31-60", "special_mention"), (61, "61-90", "special_mention"), (90, "61-90", "special_mention"),
    (91, "91-180", "substandard"), (181, "181-360", "substandard"), (270, "181-360", "substandard"),
    (271, "181-360", "doubtful"), (360, "181-360", "doubtful"), (361, ">360", "loss"),
])
def test_buckets_and_five_categories(world, loan, days_late, bucket, loan_class):
    services.delinquency_run(as_of=FIRST_DUE + timedelta(days=days_late))
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.loan_class) == (days_late, bucket, loan_class)


def test_history_of_moves(world, loan):
    for days_late in (5, 40, 70, 100, 200, 300, 400):
        services.delinquency_run(as_of=FIRST_DUE + timedelta(days=days_late))
    moves = list(loan.bucket_moves.values_list("from_bucket", "to_bucket", "to_class"))
    assert moves == [
        ("current", "1-30", "special_mention"), ("1-30", "31-60", "special_mention"),
        ("31-60", "61-90", "special_mention"), ("61-90", "91-180", "substandard"),
        ("91-180", "181-360", "substandard"), ("181-360", "181-360", "doubtful"), ("181-360", ">360", "loss"),
    ]


def test_task_is_thin_and_idempotent(world, loan):
    assert delinquency_nightly("2026-03-01")["moves"] == 1
    assert delinquency_nightly("2026-03-01")["moves"] == 0


def test_paid_loans_are_not_overdue(world, loan):
    pay(world, loan, "1120.00", FIRST_DUE)
    services.delinquency_run(as_of=date(2026, 3, 1))
    loan.refresh_from_db()
    assert loan.dpd == 0 and not loan.instalments.filter(status=InstalmentStatus.OVERDUE).exists()


def test_a_loan_whose_arrears_were_paid_with_a_backdated_payment_is_current_the_next_night(world, loan):
    services.delinquency_run(as_of=date(2026, 3, 14))  # 27 days late on the first instalment
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket) == (27, "1-30")
    first = loan.instalments.get(period=1)
    # paid on 10 March, recorded later: older than the loan's last change, so the payment itself
    # does not refresh the loan (the night does)
    pay(world, loan, str(first.principal_due + first.interest_due + first.penalty_accrued), date(2026, 3, 10))
    loan.refresh_from_db()
    assert not loan.instalments.filter(status=InstalmentStatus.OVERDUE).exists()
    assert (loan.dpd, loan.bucket) == (27, "1-30")
    report = services.delinquency_run(as_of=date(2026, 3, 15))  # the second instalment falls due today
    loan.refresh_from_db()
    assert (loan.dpd, loan.bucket, loan.loan_class) == (0, "current", "normal")
    assert report.dpd_changes == 1 and report.moves == 1
    assert loan.bucket_moves.order_by("-id").values_list("from_bucket", "to_bucket").first() == ("1-30", "current")


def test_write_off_through_the_ledger_and_recoveries(world, loan):
    services.delinquency_run(as_of=date(2026, 5, 20))  # 94 days late: substandard
    loan.refresh_from_db()
    assert loan.loan_class == "substandard"
    with pytest.raises(PermissionDenied):  # an analyst may not write off
        services.loan_write_off(loan=loan, user=world.users["finance_analyst"], reason="破产",
                                written_off_on="2026-05-20", idempotency_key="w-1")
    with pytest.raises(ValidationError):
        services.loan_write_off(loan=loan, user=world.users["finance"], reason=" ", written_off_on="2026-05-20",
                                idempotency_key="w-1")
    loan = services.loan_write_off(loan=loan, user=world.users["finance"], reason="企业停产，法院受理破产",
                                   written_off_on="2026-05-20", idempotency_key="w-1")
    assert loan.status == LoanStatus.WRITTEN_OFF and loan.loan_class == "loss"
    assert loan.written_off_amount == D("12000.00")
    fc = world.finance_company
    assert Account.objects.get(agent=fc, purpose=AccountPurpose.LOANS_RECEIVABLE, loan=loan).balance == 0
    assert Account.objects.get(agent=fc, purpose=AccountPurpose.WRITE_OFF).balance == D("12000.00")
    # the borrower still owes it (账销案存)
    assert Account.objects.get(agent=world.firm, purpose=AccountPurpose.BORROWINGS, loan=loan).balance \
        == D("-12000.00")
    # a retry is harmless; no penalty accrues any more
    services.loan_write_off(loan=loan, user=world.users["finance"], reason="企业停产，法院受理破产",
                            written_off_on="2026-05-20", idempotency_key="w-1")
    penalties = sorted(loan.instalments.values_list("penalty_accrued", flat=True))
    services.delinquency_run(as_of=date(2026, 8, 1))
    assert sorted(loan.instalments.values_list("penalty_accrued", flat=True)) == penalties
    # a later payment is a recovery
    r = pay(world, loan, "1500.00", date(2026, 8, 1), user=world.users["finance_analyst"])
    assert r.principal_amount > 0
    recovered = Account.objects.get(agent=fc, purpose=AccountPurpose.RECOVERY_INCOME).balance
    assert recovered == -r.principal_amount
    assert ledger_verify().ok


def test_performing_loans_cannot_be_written_off(world, loan):
    with pytest.raises(ValidationError) as caught:
        services.loan_write_off(loan=loan, user=world.users["finance"], reason="x", written_off_on="2026-02-01",
                                idempotency_key="w-1")
    assert caught.value.code == "performing"


def test_delinquency_run_command(world, loan):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("delinquency_run", "--as-of", "2026-03-01", stdout=out)
    assert "1 bucket moves" in out.getvalue()
    assert "accrue_penalty:" not in out.getvalue()
    out = io.StringIO()
    call_command("delinquency_run", "--as-of", "2026-03-02", "--timings", stdout=out)
    # one line per statement of the run, so an operator sees where a slow night goes
    for statement in ("mark_overdue", "accrue_penalty", "dpd", "moves", "events", "classify"):
        assert f"  {statement}: " in out.getvalue()
    with pytest.raises(CommandError):
        call_command("delinquency_run", "--as-of", "2026-02-30", stdout=io.StringIO())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage")
def test_the_nightly_tables_leave_room_on_each_page_for_hot_updates():
    """The night rewrites every overdue instalment and delinquent loan in columns no index holds:
    with a fifth of each page free, PostgreSQL keeps the new version beside the old one without
    touching the indexes (benchmarks/nightly_storage.py: 1.6× faster at 1,000,000 loans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN ('lending_instalment', 'lending_loan')")
        options = dict(cursor.fetchall())
    assert options == {"lending_instalment": ["fillfactor=80"], "lending_loan": ["fillfactor=80"]}
    indexed = set()
    for index in Instalment._meta.indexes:
        indexed |= set(index.fields) | set(index.include or ())
    assert not {"penalty_accrued", "penalty_through"} & indexed  # an index on them would forbid HOT
