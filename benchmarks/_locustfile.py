"""The simulated users of ``benchmarks/loadtest.py`` (a locustfile; it imports no Django — locust
patches the standard library with gevent). One user class per role, each a person working in
its portal: the home, lists, detail pages found on those lists, and a few writes that are safe
to repeat. Each simulated user logs in once, through the login form, with its own account.

Set by ``loadtest.py`` in the environment:

- ``LOADTEST_ACCOUNTS``: a JSON file ``{"enterprise": [[email, password], …], "finance": …,
  "government": …, "institution": …, "investor": …}``, plus ``"counts"``: users per role;
- ``LOADTEST_OUT``: where to write every request's exact time and the failures (JSON) at the end;
- ``LOADTEST_WAIT``: ``"min,max"`` seconds of think time between two tasks.

A request fails when it answers ≥ 400, when a page meant to be read lands on the login page
(the session was lost) or when a write does not redirect to its result.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import defaultdict
from datetime import date

from locust import HttpUser, between, events, task

with open(os.environ["LOADTEST_ACCOUNTS"], encoding="utf-8") as f:
    CONFIG = json.load(f)
WAIT = [float(x) for x in os.environ.get("LOADTEST_WAIT", "3,10").split(",")]
TIMES: dict[str, list[float]] = defaultdict(list)
FAILURES: dict[str, list[str]] = defaultdict(list)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"')


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    TIMES[f"{request_type} {name}"].append(response_time)
    if exception is not None:
        FAILURES[f"{request_type} {name}"].append(str(exception)[:300])


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["LOADTEST_OUT"], "w", encoding="utf-8") as out:
        json.dump({"times": TIMES, "failures": FAILURES}, out)


def links(html: str, pattern: str) -> list[str]:
    """The distinct paths on a page matching ``pattern`` (a regular expression of a path)."""
    return sorted(set(re.findall(rf'href="({pattern})"', html or "")))


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)
    _accounts = {}
    _clients = itertools.count()

    def on_start(self):
        if self.role not in Person._accounts:
            Person._accounts[self.role] = itertools.cycle(CONFIG[self.role])
        self.email, password = next(Person._accounts[self.role])
        port = self.host.rsplit(":", 1)[-1]
        n = next(Person._clients)
        # what the TLS proxy in front of gunicorn would add (each person on a machine of its own:
        # the log-in rate limits are per client address); the Referer for Django's CSRF check
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": f"10.4.{n // 250}.{n % 250 + 1}",
                                    "Accept-Language": "zh-hans", "Referer": f"https://127.0.0.1:{port}/"})
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF.search(page.text or "")
        with self.client.post("/accounts/login/", name="login (POST)", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token.group(1) if token else "", "login": self.email,
                                    "password": password}) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.email} answered {response.status_code}")
        self.found: dict[str, list[str]] = {}
        self.explore()

    def explore(self):
        """Visit the pages that hold the links the detail tasks follow."""

    def page(self, path: str, name: str | None = None):
        """GET a page that must answer 200 without sending the user to the login page."""
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code} {path}")
            elif "/accounts/login/" in (response.url or ""):
                response.failure(f"{path} sent {self.email} to the login page")
            return response

    def harvest(self, key: str, path: str, pattern: str) -> None:
        self.found[key] = links(self.page(path).text, pattern)

    def detail(self, key: str, name: str) -> None:
        if self.found.get(key):
            self.page(random.choice(self.found[key]), name=name)  # noqa: S311 - not cryptography

    def submit(self, path: str, form_path: str, name: str, data: dict, *, need: re.Pattern | None = None) -> None:
        """GET the form, POST it with the page's CSRF token (and idempotency key); a success
        redirects (302). A form without the key (nothing to pay) is skipped."""
        form = self.page(form_path, name=f"{name} (form)")
        token = CSRF.search(form.text or "")
        extra = {}
        if need is not None:
            found = need.search(form.text or "")
            if not found:
                return
            extra["idempotency_key"] = found.group(1) or found.group(2)
        with self.client.post(path, name=f"{name} (POST)", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token.group(1) if token else "", **extra,
                                    **data}) as response:
            if response.status_code != 302:
                errors = re.findall(r'(?:invalid-feedback|alert-danger)[^>]*>\s*([^<]+)', response.text or "")
                response.failure(f"{name}: HTTP {response.status_code} {'; '.join(errors)[:200]}")
            elif "/accounts/login/" in response.headers.get("Location", ""):
                response.failure(f"{name}: sent to the login page")

    @task(1)
    def notifications(self):
        self.page("/hub/notifications/badge/")
        self.page("/hub/notifications/")

    @task(1)
    def centre(self):
        self.page("/hub/")


class Enterprise(Person):
    """A member firm's owner: its portal, its loans and applications, the centre; publishes news
    about itself and repays ¥100 of one of its loans."""

    role = "enterprise"
    fixed_count = CONFIG["counts"]["enterprise"]

    def explore(self):
        self.harvest("loans", "/lending/loans/", r"/lending/loans/\d+/")
        self.found["publications"] = links(self.page("/enterprise/").text, r"/hub/p/\d+/")

    @task(4)
    def home(self):
        self.page("/enterprise/")

    @task(2)
    def lists(self):
        self.page(random.choice(["/lending/loans/", "/lending/applications/", "/lending/products/", "/hub/mine/",  # noqa: S311
                                 "/hub/enterprise/", "/finance/rating/mine/"]))

    @task(2)
    def loan(self):
        self.detail("loans", "/lending/loans/[id]/")

    @task(1)
    def publication(self):
        self.detail("publications", "/hub/p/[id]/")

    @task(1)
    def publish(self):
        self.submit("/hub/publish/", "/hub/publish/", "publish news", {
            "category": "major_events", "title": f"负载测试：新订单 {random.randint(1, 10**6)}",  # noqa: S311
            "body": "模拟用户发布的企业动态。", "visibility": "members", "publish": "on"})

    @task(1)
    def repay(self):
        if self.found.get("loans"):
            loan = random.choice(self.found["loans"])  # noqa: S311
            self.submit(f"{loan}repay/", f"{loan}repay/", "repay ¥100", {
                "amount": "100.00", "paid_on": date.today().isoformat()}, need=KEY)


class FinanceCompany(Person):
    """The cluster finance company's analyst: the dashboard, the members' register, module 3's pages."""

    role = "finance"
    fixed_count = CONFIG["counts"]["finance"]

    def explore(self):
        self.harvest("dossiers", "/finance/members/", r"/hub/agents/\d+/")

    @task(4)
    def dashboard(self):
        self.page("/finance/")

    @task(2)
    def members(self):
        self.page("/finance/members/")

    @task(3)
    def module3(self):
        self.page(random.choice(["/finance/pool/", "/finance/rating/", "/finance/rating/monitoring/",  # noqa: S311
                                 "/finance/guarantees/", "/finance/sanctions/", "/finance/schemes/bonds/",
                                 "/finance/schemes/rotating/", "/finance/schemes/groups/", "/finance/allocation/",
                                 "/lending/lender/loans/", "/lending/lender/applications/"]))

    @task(1)
    def drill_down(self):
        self.page("/finance/dashboard/loans/?figure=par30", name="/finance/dashboard/loans/?figure=par30")

    @task(2)
    def dossier(self):
        self.detail("dossiers", "/hub/agents/[id]/")


class Government(Person):
    """The county's supervisor: the oversight console, compliance, programmes, the region's loans."""

    role = "government"
    fixed_count = CONFIG["counts"]["government"]

    def explore(self):
        self.harvest("dossiers", "/gov/registry/", r"/hub/agents/\d+/")

    @task(4)
    def console(self):
        self.page("/gov/")

    @task(3)
    def lists(self):
        self.page(random.choice(["/gov/registry/", "/gov/oversight/loans/", "/gov/oversight/guarantees/",  # noqa: S311
                                 "/gov/compliance/", "/gov/programmes/", "/gov/policies/", "/gov/meetings/",
                                 "/lending/region/", "/hub/government/", "/hub/reports/"]))

    @task(2)
    def dossier(self):
        self.detail("dossiers", "/hub/agents/[id]/")


class Institution(Person):
    """A bank's loan officer: its portal (the firms it may lend to), the queue, the loan book,
    the firms' dossiers and the centre's search."""

    role = "institution"
    fixed_count = CONFIG["counts"]["institution"]

    def explore(self):
        self.found["dossiers"] = links(self.page("/institution/").text, r"/hub/agents/\d+/")
        self.harvest("loans", "/lending/lender/loans/", r"/lending/loans/\d+/")

    @task(4)
    def home(self):
        self.page("/institution/")

    @task(3)
    def lists(self):
        self.page(random.choice(["/lending/lender/applications/", "/lending/lender/loans/",  # noqa: S311
                                 "/lending/lender/portfolio/", "/lending/lender/products/", "/hub/reports/",
                                 "/hub/institution/", "/hub/business/"]))

    @task(3)
    def dossier(self):
        self.detail("dossiers", "/hub/agents/[id]/")

    @task(1)
    def loan(self):
        self.detail("loans", "/lending/loans/[id]/")

    @task(1)
    def search(self):
        self.page(f"/hub/search/?q={random.choice(['五金', '永康', '电动工具', '门业'])}", name="/hub/search/?q=…")  # noqa: S311


class Investor(Person):
    """A private investor: its portal, its portfolio and holdings, the opportunities, firms'
    dossiers; follows or unfollows a firm."""

    role = "investor"
    fixed_count = CONFIG["counts"]["investor"]

    def explore(self):
        self.found["dossiers"] = links(self.page("/investor/").text, r"/hub/agents/\d+/")
        self.harvest("holdings", "/investor/portfolio/", r"/investor/holdings/\d+/")
        self.harvest("opportunities", "/investor/opportunities/", r"/investor/opportunities/\d+/")

    @task(3)
    def home(self):
        self.page("/investor/")

    @task(3)
    def portfolio(self):
        self.page("/investor/portfolio/")

    @task(1)
    def holding(self):
        self.detail("holdings", "/investor/holdings/[id]/")

    @task(2)
    def opportunities(self):
        self.page("/investor/opportunities/")
        self.detail("opportunities", "/investor/opportunities/[id]/")

    @task(2)
    def dossier(self):
        self.detail("dossiers", "/hub/agents/[id]/")

    @task(1)
    def follow(self):
        if self.found.get("dossiers"):
            agent = random.choice(self.found["dossiers"]).strip("/").rsplit("/", 1)[-1]  # noqa: S311
            self.submit("/hub/follow/", "/hub/subscriptions/", "follow a firm", {
                "target": "agent", "agent": agent, "unfollow": random.choice(["", "on"])})  # noqa: S311
