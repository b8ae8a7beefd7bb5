"""The information centre's demo data, through its services: publications in every module
(government policies and statistics, firms' statements and certifications, the bank's products
and rates, investors' intentions, financing needs, business records), reports both ways with
some verified or disputed and replies, consents from a few firms to the demo bank, and
subscriptions of the demo users. Idempotent: publications carry a disclosure key, the other
rows are looked up before they are written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agents.choices import Role
from infocenter.models import AccessLog, Consent, Publication, Report
from infocenter.services import (
    access_log_record,
    consent_grant,
    consent_revoke,
    events_dispatch,
    publication_correct,
    publication_create,
    publication_retract,
    report_decide,
    report_file,
    report_reply,
    subscription_create,
)

KEY = "demo"


def _publish(subject, category, title, *, key, days_ago=0, **kwargs):
    """Publish once (the disclosure key makes a rerun return the existing item); back-date new
    items so the dossiers show freshness."""
    new = not Publication.objects.filter(subject=subject, category=category, key=f"{KEY}:{key}", version=1).exists()
    pub = publication_create(subject=subject, category=category, title=title, key=f"{KEY}:{key}", **kwargs)
    if new and days_ago:
        Publication.objects.filter(pk=pub.pk).update(published_at=timezone.now() - timedelta(days=days_ago))
    return pub


def _report(*, reporter, subject, author, category, title, evidence, days_ago):
    existing = Report.objects.filter(reporter=reporter, subject=subject, title=title).first()
    if existing:
        return existing
    return report_file(reporter=reporter, subject=subject, author=author, category=category, title=title,
                       evidence=evidence, occurred_on=timezone.localdate() - timedelta(days=days_ago + 3),
                       now=timezone.now() - timedelta(days=days_ago))


def _wan(rng, low, high) -> str:
    return str(Decimal(rng.randint(low, high)) * 10000)


def _government(world, gov, users):
    author = users[Role.GOV_SUPERVISOR]
    _publish(gov, "policy", "永康市中小企业贷款贴息管理办法（2026 年修订）", key="policy:subsidy", days_ago=60,
             author=author, visibility="public", period="2026",
             body="对集群成员企业通过集群财务公司和合作银行取得的流动资金贷款，按 LPR 的 30% 给予贴息，单户年度上限 20 万元。",
             data={"subsidy_share_of_lpr": "0.30", "cap_per_firm": "200000.00"})
    _publish(gov, "policy", "五金产业集群风险补偿基金实施细则", key="policy:risk-fund", days_ago=120, author=author,
             visibility="public", period="2026",
             body="风险补偿基金规模 5,000 万元，对合作银行发生的集群企业贷款损失按 40% 给予补偿。",
             data={"fund_size": "50000000.00", "compensation_share": "0.40"})
    _publish(gov, "statistics", "2026 年三季度永康五金产业运行情况", key="stats:2026Q3", days_ago=20, author=author,
             visibility="public", period="2026Q3",
             body="规上五金企业产值同比增长 6.8%，出口交货值增长 4.1%，用电量增长 5.5%。",
             data={"output_growth": "0.068", "export_growth": "0.041"})
    _publish(gov, "meeting_minutes", "政银企对接会纪要（2026 年 10 月）", key="minutes:2026-10", days_ago=35,
             author=author, visibility="members",
             body="七家金融机构与 46 家成员企业参加；达成意向授信 1.2 亿元；下次会议 2027 年 1 月。")
    _publish(gov, "support_programme", "专精特新中小企业培育计划", key="programme:sme", days_ago=90, author=author,
             visibility="public", body="入选企业可获一次性奖励 30 万元并优先推荐贴息。")


def _firms(world, firms, users, rng):
    owner = users[Role.ENTERPRISE_OWNER]
    for i, firm in enumerate(firms[:24]):
        author = owner if i == 0 else None  # the demo firm's owner; the others through system calls
        revenue = Decimal(_wan(rng, 300, 9000))
        profit = (revenue * Decimal(rng.randint(2, 12)) / 100).quantize(Decimal("0.01"))
        stale = i % 6 == 5  # a few firms have not updated for a long time
        _publish(firm, "financial_statements", f"{firm.name} 2025 年度财务报表", key="fs:2025", author=author,
                 days_ago=500 if stale else 40 + i, period="2025",
                 visibility="consent" if i % 2 == 0 else "members",
                 body="经会计师事务所审计。", data={"revenue": str(revenue), "net_profit": str(profit)})
        if i % 3 != 2:
            _publish(firm, "tax_paid", f"{firm.name} 2025 年纳税情况", key="tax:2025", author=author,
                     days_ago=50 + i, period="2025", visibility="government" if i % 4 == 0 else "members",
                     data={"tax_paid": str((revenue * Decimal("0.035")).quantize(Decimal("0.01")))})
        if i % 2 == 0:
            _publish(firm, "social_insurance", f"{firm.name} 社保参保人数", key="si:2026-09", author=author,
                     days_ago=30 + i, period="2026-09", visibility="members",
                     data={"insured_headcount": rng.randint(8, 400)})
        if i % 4 == 1:
            _publish(firm, "certifications", "通过 ISO 9001:2015 质量管理体系认证", key="cert:iso9001", author=author,
                     days_ago=200, visibility="public")
        if i % 5 == 0:
            _publish(firm, "orders_capacity", "在手订单与产能利用率", key="orders:2026Q3", author=author, days_ago=15,
                     period="2026Q3", visibility="consent",
                     data={"orders_on_hand": _wan(rng, 200, 5000), "capacity_utilisation": "0.82"})
        if i % 7 == 3:
            _publish(firm, "major_events", "新厂房竣工投产", key="event:plant", author=author, days_ago=70,
                     visibility="public", body="新增自动化冲压线两条，年产能提升 30%。")
        if i % 8 == 2:
            _publish(firm, "financing_need", "流动资金需求 300 万元（12 个月）", key="need:2026", author=author,
                     days_ago=10, visibility="kinds", audience_kinds=["institution", "investor"],
                     data={"amount": "3000000.00", "term_months": 12})
    # A correction and a retraction, so history and retraction show in the demo.
    statement = Publication.objects.filter(subject=firms[0], key=f"{KEY}:fs:2025", is_current=True).first()
    if statement and statement.version == 1:
        data = dict(statement.data) | {"net_profit": str(Decimal(statement.data["net_profit"]) + Decimal("12000.00"))}
        publication_correct(publication=statement, author=owner, data=data, correction_note="补记一笔营业外收入")
    cert = Publication.objects.filter(subject=firms[5], key=f"{KEY}:cert:iso9001", is_current=True).first()
    if cert and cert.status == "published":
        publication_retract(publication=cert, author=None, reason="证书已于 2026 年 9 月到期，正在复审")


def _institutions(world, institutions, fc, users):
    officer = users[Role.INST_OFFICER]
    for i, bank in enumerate(institutions):
        author = officer if i == 0 else None
        _publish(bank, "products", f"{bank.name} 集群成员流动资金贷款", key="product:working-capital", author=author,
                 days_ago=80, visibility="public", body="额度 50–500 万元，期限 1 年，可由集群财务公司互助担保。",
                 data={"min": "500000.00", "max": "5000000.00", "term_months": 12})
        _publish(bank, "rates", f"{bank.name} 贷款利率（2026 年 11 月）", key="rates:2026-11", author=author,
                 days_ago=5, visibility="public", period="2026-11",
                 data={"lpr_1y": "0.0300", "spread": f"{Decimal('0.0060') + Decimal(i) * Decimal('0.0025'):.4f}"})
        if i < 4:
            _publish(bank, "lending_volume", f"{bank.name} 对集群贷款余额（2026 年三季度）", key="volume:2026Q3",
                     author=author, days_ago=25, period="2026Q3", visibility="members",
                     data={"outstanding": str(Decimal(30_000_000 - i * 5_000_000)), "borrowers": 18 - i * 3})
    _publish(fc, "products", "集群互助担保贷款", key="product:mutual-guarantee", author=users[Role.FC_MANAGER],
             days_ago=100, visibility="public", body="成员企业以互助担保金为增信，向合作银行借款，财务公司统一审查。")


def _investors(world, investors, users, firms):
    for i, investor in enumerate(investors[:6]):
        author = users[Role.INVESTOR] if i == 0 else None
        _publish(investor, "investment_intention", "投资意向：集群企业短期借款", key="intention:2026", author=author,
                 days_ago=12 + i, visibility="members",
                 body="拟出借 20–50 万元，期限 6–12 个月，年化收益预期 6%–8%，仅限评级 A 以上企业。",
                 data={"min": "200000.00", "max": "500000.00", "expected_rate": "0.07"})
    group = next((a for a in investors if "协会" in a.name), None)
    if group:
        _publish(group, "investment_offer", "民间投资协会集合出借计划", key="offer:2026", days_ago=8,
                 visibility="members", body="协会成员集合资金 800 万元，通过集群财务公司出借给成员企业。",
                 data={"pool": "8000000.00"})
    _publish(firms[1], "business_record", "与永康某门业签订三年供货框架协议", key="biz:supply", days_ago=45,
             visibility="members", body="年供货额约 600 万元，月结 60 天。")


def _reports(world, firms, institutions, fc, gov, users):
    officer, owner = users[Role.INST_OFFICER], users[Role.ENTERPRISE_OWNER]
    analyst, supervisor = users[Role.FC_ANALYST], users[Role.GOV_SUPERVISOR]
    bank = institutions[0]
    late = _report(reporter=bank, subject=firms[3], author=officer, category="late_payment",
                   title="第三期还款逾期 45 天", days_ago=20,
                   evidence="贷款合同 YKRCB-2026-0113，第三期应于 2026-09-20 还款 12.5 万元，至 11-04 结清，逾期 45 天。")
    if late.status == "unverified":
        report_decide(report=late, decided_by=analyst, status="verified", note="核对银行流水，逾期属实。")
    good = _report(reporter=bank, subject=firms[0], author=officer, category="good_relationship",
                   title="合作五年，按时还本付息", days_ago=30, evidence="2021 年起累计贷款 6 笔，均按期结清，无逾期记录。")
    if good.status == "unverified":
        report_decide(report=good, decided_by=analyst, status="verified")
    dispute = _report(reporter=firms[0], subject=firms[5], author=owner, category="quality_dispute",
                      title="一批不锈钢板材厚度不达标", days_ago=15,
                      evidence="2026-10 到货 12 吨，抽检 30% 厚度偏差超过 ±0.05 mm，附检测报告。")
    if dispute.status == "unverified":
        report_decide(report=dispute, decided_by=analyst, status="disputed",
                      note="供方提供了出厂检验报告，双方检测结果不一致，建议第三方复检。")
    _report(reporter=firms[0], subject=firms[2], author=owner, category="reliable_delivery",
            title="模具交付准时、质量稳定", days_ago=6, evidence="2026 年共下单 14 次，全部按期交付。")
    arrear = _report(reporter=gov, subject=firms[7], author=supervisor, category="tax_arrear",
                     title="欠缴 2026 年三季度增值税", days_ago=10, evidence="欠缴增值税 3.2 万元，已发催缴通知书。")
    if arrear.status == "unverified":
        report_decide(report=arrear, decided_by=analyst, status="verified", note="税务部门函件核实。")
    _report(reporter=gov, subject=firms[4], author=supervisor, category="award", title="获评市级专精特新中小企业",
            days_ago=40, evidence="永康市经信局 2026 年第 3 号公告。")
    _report(reporter=firms[0], subject=bank, author=owner, category="good_relationship",
            title="放款及时，续贷手续简便", days_ago=25, evidence="2026 年续贷 3 个工作日完成。")
    rejected = _report(reporter=firms[9], subject=firms[10], author=None, category="other",
                       title="涉嫌拖欠货款（未提供凭证）", days_ago=12, evidence="口头反映，无合同与对账单。")
    if rejected.status == "unverified":
        report_decide(report=rejected, decided_by=supervisor, status="rejected", note="无任何书面证据。")
    # Replies of the subjects (system calls stand in for the firms that have no demo person).
    for report, text in ((late, "因下游客户回款延迟导致逾期，已于 11 月 4 日全部结清，附银行回单。"),
                         (dispute, "出厂检验合格，愿意共同委托第三方复检，费用先行承担。")):
        if not report.reply:
            report_reply(report=report, author=None, text=text)
    return late


def _consents(world, firms, bank, users):
    owner = users[Role.ENTERPRISE_OWNER]
    today = timezone.localdate()
    plans = [
        (firms[0], owner, None, 180, "流动资金贷款续贷审查"),
        (firms[2], None, ["financial_statements", "tax_paid"], 90, "新增授信审查"),
        (firms[4], None, None, 30, "互助担保贷款审查"),
    ]
    for grantor, author, categories, days, purpose in plans:
        if not Consent.objects.filter(grantor=grantor, grantee=bank, purpose=purpose).exists():
            consent_grant(grantor=grantor, grantee=bank, granted_by=author, valid_until=today + timedelta(days=days),
                          categories=categories, purpose=purpose)
    revoked_purpose = "已结清贷款的贷后检查"
    if not Consent.objects.filter(grantor=firms[6], grantee=bank, purpose=revoked_purpose).exists():
        consent = consent_grant(grantor=firms[6], grantee=bank, granted_by=None, valid_until=today + timedelta(days=60),
                                purpose=revoked_purpose)
        consent_revoke(consent=consent, revoked_by=None)
    # The demo bank officer has read the demo firm's confidential statement: the firm sees it.
    officer = users[Role.INST_OFFICER]
    if not AccessLog.objects.filter(subject=firms[0], user=officer).exists():
        confidential = Publication.objects.filter(subject=firms[0], visibility="consent", is_current=True) \
            .select_related("subject")
        access_log_record(user=officer, publications=list(confidential), page="/hub/agents/")


def _subscriptions(world, firms, users):
    subscription_create(user=users[Role.INST_OFFICER], target="module", module="enterprise")
    subscription_create(user=users[Role.INST_OFFICER], target="agent", agent=firms[0], email=True)
    subscription_create(user=users[Role.INVESTOR], target="module", module="investment")
    subscription_create(user=users[Role.INVESTOR], target="category", category="financing_need")
    subscription_create(user=users[Role.GOV_SUPERVISOR], target="module", module="business")
    subscription_create(user=users[Role.ENTERPRISE_OWNER], target="module", module="government", email=True)
    subscription_create(user=users[Role.FC_ANALYST], target="category", category="financial_statements")


def seed(world: dict, out) -> None:
    firms, institutions, investors = world["firms"], world["institutions"], world["investors"]
    fc, gov, users, rng = world["finance_company"], world["government"], world["users"], world["rng"]
    with transaction.atomic():  # one dispatcher kick at the end instead of one per event
        _subscriptions(world, firms, users)
        _government(world, gov, users)
        _firms(world, firms, users, rng)
        _institutions(world, institutions, fc, users)
        _investors(world, investors, users, firms)
        _reports(world, firms, institutions, fc, gov, users)
        _consents(world, firms, institutions[0], users)
        delivered = events_dispatch(max_batches=50)
    out.write(f"  info: {Publication.objects.count()} publications, {Report.objects.count()} reports, "
              f"{Consent.objects.count()} consents; {delivered} events delivered")
