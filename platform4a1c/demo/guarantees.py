"""Demo step: the cluster's mutual guarantee fund — contributions from the government and eight
member firms, guarantees on members' loans from the banks (the worst one claimed, approved by a
second person, paid and partly recovered) — and a firm-to-firm guarantee network with two
circles and a chain, through the same services the pages call (idempotent: fixed keys, and the
network is recorded once)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from agents.choices import Role
from clusterfinance.guarantees import services
from clusterfinance.guarantees.models import ClaimStatus, FirmGuarantee, FundGuarantee, GuaranteeClaim
from infocenter.services.events import events_dispatch
from lending.choices import LoanStatus
from lending.models import Loan


def seed(world: dict, out) -> None:
    cluster, firms, users = world["cluster"], world["firms"], world["users"]
    analyst, manager = users[Role.FC_ANALYST], users[Role.FC_MANAGER]
    today = timezone.localdate()
    fund = services.fund_for(cluster)
    services.guarantee_contribution_record(user=analyst, fund=fund, contributor=world["government"],
                                           amount="2000000.00", on=today - timedelta(days=365),
                                           idempotency_key="demo-guarantee-contribution-gov")
    for n, firm in enumerate(firms[:8]):
        services.guarantee_contribution_record(user=analyst, fund=fund, contributor=firm,
                                               amount=f"{50000 + 10000 * n}.00", on=today - timedelta(days=360),
                                               idempotency_key=f"demo-guarantee-contribution-{firm.pk}")
    loans = list(Loan.objects.filter(lender__kind="institution", status=LoanStatus.ACTIVE,
                                     borrower__in=firms).order_by("-dpd", "pk")[:6])
    for loan in loans:
        if not FundGuarantee.objects.filter(loan=loan).exists():
            services.fund_guarantee_issue(user=analyst, fund=fund, loan=loan, coverage="0.7",
                                          issued_on=loan.disbursed_on or today,
                                          idempotency_key=f"demo-guarantee-{loan.pk}")
    raised = services.guarantee_claims_raise(on=today)["raised"]
    claim = GuaranteeClaim.objects.filter(guarantee__fund=fund).order_by("pk").first()
    if claim is not None:
        if claim.status == ClaimStatus.RAISED:
            claim = services.guarantee_claim_prepare(user=analyst, claim=claim)
        if claim.status == ClaimStatus.PREPARED:
            claim = services.guarantee_claim_approve(user=manager, claim=claim)
        if claim.status == ClaimStatus.APPROVED:
            claim = services.guarantee_claim_pay(user=analyst, claim=claim, on=today,
                                                 idempotency_key="demo-claim-payout")
        if not claim.recoveries.exists():
            services.guarantee_recovery_record(user=analyst, claim=claim,
                                               amount=(claim.amount * Decimal("0.25")).quantize(Decimal("0.01")),
                                               on=today, idempotency_key="demo-claim-recovery")
    if not FirmGuarantee.objects.filter(cluster=cluster).exists() and len(firms) >= 14:
        a, b, c, d, e, f, g, h = firms[6:14]
        # circle one: a → b → c → a (连环担保); circle two: d ⇄ e (互保); a chain e → f → g → h
        for guarantor, borrower, amount in ((a, b, "800000"), (b, c, "600000"), (c, a, "500000"),
                                            (d, e, "1200000"), (e, d, "900000"), (e, f, "300000"),
                                            (f, g, "250000"), (g, h, "200000")):
            services.firm_guarantee_record(user=analyst, cluster=cluster, guarantor=guarantor, borrower=borrower,
                                           amount=f"{amount}.00")
    while events_dispatch(max_batches=50):
        pass
    out.write(f"  guarantees: fund with {fund.contributions.count()} contributions, {len(loans)} loans guaranteed, "
              f"{raised} new claims; {FirmGuarantee.objects.filter(cluster=cluster).count()} firm-to-firm guarantees")
