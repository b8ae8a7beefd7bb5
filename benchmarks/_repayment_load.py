"""Shared set-up and clients of the repayment benchmarks (``repayments.py``, and the background load
of ``loop_latency.py``). Not a benchmark itself: ``make bench-smoke`` skips files starting with ``_``.

* ``build`` makes the lenders (the finance company and seven institutions), the borrowing firms and
  the contracted loans (bulk), ``disburse_all`` disburses them through ``loan_disburse`` with a pool
  of client processes;
* ``repay_worker`` is one client process calling ``repayment_record`` (the service the pages and
  the API call) on random loans until its deadline or until ``stop`` is set;
* ``money_check`` compares what the clients sent with the repayments stored and runs
  ``ledger_verify`` — "zero lost cents".
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import time
from datetime import date
from decimal import Decimal
from urllib.parse import urlparse

DISBURSED_ON = date(2026, 9, 25)
PAID_ON = date(2026, 10, 25)  # the first due date
LENDERS = 8


def recreate_database(url: str, name: str) -> None:
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str, broker: str | None = None) -> None:
    """Django on ``url`` with the test settings. Their Celery runs tasks eagerly: each
    disbursement would dispatch the centre's events inline, so tasks go to the in-memory broker
    instead — or, with ``broker``, to that broker (a live worker's Redis: what a repayment
    enqueues then reaches the worker, as in production)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "platform4a1c.settings.test"
    import django

    django.setup()
    from platform4a1c.celery import app

    app.conf.task_always_eager = False
    if broker:
        app.conf.broker_url = broker


def build(n_loans: int, n_firms: int, *, serial_start: int = 90_000_000, prefix: str = "BENCH") -> dict:
    """Lenders, firms, staff and contracted loans (bulk); returns what the clients need.
    ``serial_start`` keeps the credit codes apart from other data in the same database."""
    from agents.choices import AgentKind, Role
    from agents.services import agent_create, membership_create, user_get_or_create
    from agents.validators import make_uscc
    from lending.choices import Frequency, LoanStatus, RepaymentMethod
    from lending.models import Loan

    serial = iter(range(serial_start, serial_start + 9_999_999))

    def code():
        return make_uscc(division="330784", serial=next(serial))

    lenders = [agent_create(kind=AgentKind.FINANCE_COMPANY, name=f"{prefix}财务公司", region_code="330784",
                            region="永康市", credit_code=code())]
    lenders += [agent_create(kind=AgentKind.INSTITUTION, name=f"{prefix}银行{i}", region_code="330784", region="永康市",
                             credit_code=code()) for i in range(LENDERS - 1)]
    firms = [agent_create(kind=AgentKind.ENTERPRISE, name=f"{prefix}企业{i}", region_code="330784", region="永康市",
                          credit_code=code()) for i in range(n_firms)]
    staff = {}
    for lender in lenders:
        role = Role.FC_ANALYST if lender.kind == AgentKind.FINANCE_COMPANY else Role.INST_OFFICER
        user = user_get_or_create(email=f"officer{lender.pk}@{prefix.lower()}.bench.4a1c.cn")
        membership_create(user=user, agent=lender, role=role)
        staff[lender.pk] = user.pk
    rng = random.Random(3)
    loans = [Loan(contract_no=f"{prefix}-{i:06d}", lender=lenders[i % LENDERS], borrower=firms[rng.randrange(n_firms)],
                  principal=Decimal(rng.choice([50_000, 100_000, 200_000, 300_000, 500_000])),
                  annual_rate=Decimal("0.0435") + Decimal(rng.randrange(0, 400)) / Decimal(10_000),
                  penalty_rate=Decimal("0.09"), periods=12, method=RepaymentMethod.EQUAL_INSTALMENT,
                  frequency=Frequency.MONTHLY, status=LoanStatus.CONTRACTED)
             for i in range(n_loans)]
    made = Loan.objects.bulk_create(loans, batch_size=2000)
    return {"loan_ids": [loan.pk for loan in made], "staff": staff}


def disburse_worker(url: str, loan_ids: list[int], staff: dict) -> int:
    django_setup(url)
    from django.contrib.auth import get_user_model

    from lending.models import Loan
    from lending.services import loan_disburse

    users = {pk: get_user_model().objects.get(pk=pk) for pk in set(staff.values())}
    done = 0
    for loan in Loan.objects.filter(pk__in=loan_ids).only("pk", "lender_id"):
        loan_disburse(loan=loan, user=users[staff[loan.lender_id]], disbursed_on=DISBURSED_ON,
                      idempotency_key=f"disburse-{loan.pk}")
        done += 1
    return done


def disburse_all(url: str, data: dict, clients: int) -> tuple[int, float]:
    """Disburse every loan of ``data`` through ``loan_disburse`` with ``clients`` processes (the
    caller closes its own connections first); (how many, seconds)."""
    chunks = [data["loan_ids"][i::clients] for i in range(clients)]
    started = time.monotonic()
    ctx = mp.get_context("spawn")
    with ctx.Pool(clients) as pool:
        disbursed = sum(pool.starmap(disburse_worker, [(url, c, data["staff"]) for c in chunks]))
    return disbursed, time.monotonic() - started


def postgres_cpu_seconds() -> float:
    """CPU time (user + system) of every ``postgres`` process now running, from ``/proc``."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if name.startswith("postgres"):
            total += int(fields[11]) + int(fields[12])
    return total / tick


def repay_worker(url: str, client: int, loan_ids: list[int], seconds: float | None, stamp: float, queue, ready, go,
                 key_prefix: str = "bench", stop=None, broker: str | None = None) -> None:
    """One client: ``repayment_record`` on random loans (20–60 % of the first instalment, paid on
    its due date). It loads Django, puts its number on ``ready``, waits for ``go`` (an Event: every
    client starts together, however long the machine took to start them), then repays for
    ``seconds`` or, with ``seconds=None``, until ``stop`` (an Event) is set. Puts its counts on
    ``queue``; idempotency keys are ``<key_prefix>-<stamp>-<client>-<n>``."""
    django_setup(url, broker)
    from django.core.exceptions import ValidationError

    from lending.models import Instalment, Loan
    from lending.services import repayment_record

    first = dict(Instalment.objects.filter(loan_id__in=loan_ids, period=1)
                 .values_list("loan_id", "principal_due"))
    interest = dict(Instalment.objects.filter(loan_id__in=loan_ids, period=1)
                    .values_list("loan_id", "interest_due"))
    rng = random.Random(client)
    accepted, refused, paid = 0, 0, Decimal("0.00")
    ready.put(client)
    go.wait()
    cpu, began = time.process_time(), time.time()
    deadline = began + seconds if seconds is not None else float("inf")
    i = 0
    while time.time() < deadline and not (stop is not None and stop.is_set()):
        loan_id = rng.choice(loan_ids)
        due = first[loan_id] + interest[loan_id]
        amount = (due * Decimal(rng.randint(20, 60)) / Decimal(100)).quantize(Decimal("0.01"))
        i += 1
        try:
            repayment_record(loan=Loan(pk=loan_id), user=None, amount=amount, paid_on=PAID_ON,
                             idempotency_key=f"{key_prefix}-{stamp:.0f}-{client}-{i}")
            accepted += 1
            paid += amount
        except ValidationError:
            refused += 1  # more than is owed (the loan's first instalment is already paid off)
    queue.put({"client": client, "accepted": accepted, "refused": refused, "paid": str(paid),
               "cpu": time.process_time() - cpu, "seconds": time.time() - began})


def clients_start(url: str, clients: int, loan_ids: list[int], seconds: float | None, *, key_prefix: str = "bench",
                  stop=None, broker: str | None = None) -> dict:
    """Start ``clients`` repaying processes and wait until every one has loaded Django; the caller
    then calls ``go()`` (the clock starts) and ``results()`` (waits for their counts)."""
    ctx = mp.get_context("spawn")
    queue, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    stamp = time.time()
    procs = [ctx.Process(target=repay_worker, args=(url, c, loan_ids, seconds, stamp, queue, ready, go, key_prefix,
                                                    stop, broker)) for c in range(clients)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=300)

    def results() -> list[dict]:
        got = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        return got

    return {"stamp": stamp, "go": go.set, "results": results}


def money_check(key_prefix: str, stamp: float, sent: Decimal) -> dict:
    """What the clients sent against the repayments stored under their keys, and ``ledger_verify``
    (every entry balances, the ledger sums to zero, every balance equals its postings, every loan
    equals its accounts and schedule)."""
    from django.db.models import Sum

    from lending.ledger.checks import ledger_verify
    from lending.models import Repayment

    stored = (Repayment.objects.filter(idempotency_key__startswith=f"{key_prefix}-{stamp:.0f}-")
              .aggregate(s=Sum("amount"))["s"] or Decimal("0"))
    report = ledger_verify()
    return {"sent": sent, "stored": stored, "lost": sent - stored, "report": report,
            "ok": report.ok and sent == stored}
