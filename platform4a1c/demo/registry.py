"""The demo cluster: the Yongkang hardware cluster (永康五金产业集群), Zhejiang — one county
government office, one finance company, seven institutions (five small or medium), 46 member
firms and twelve private investors, with one demo user per role."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from agents.choices import AgentKind
from agents.models import Agent, Cluster
from agents.services import cluster_create, cluster_join, membership_create, user_get_or_create
from agents.validators import make_uscc
from portals.enterprises.choices import SupplyChainPosition
from portals.enterprises.services import enterprise_register
from portals.government.services import government_register
from portals.institutions.services import institution_register
from portals.investors.services import investor_register

from . import DEMO_PASSWORD
from .users import ADMIN_EMAIL, DEMO_USERS

REGION_CODE, REGION = "330784", "浙江省金华市永康市"
CLUSTER_NAME = "永康五金产业集群"

INSTITUTIONS = [
    # name, type, size, serial
    ("浙江永康农村商业银行", "rural_credit_coop", "medium", 101),
    ("金华银行永康支行", "bank", "medium", 102),
    ("永康浙商村镇银行", "village_bank", "small", 103),
    ("永康市金鼎小额贷款有限公司", "microcredit", "small", 104),
    ("永康市五金产业融资担保有限公司", "guarantee", "small", 105),
    ("中国工商银行永康支行", "bank", "large", 106),
    ("中国建设银行永康支行", "bank", "large", 107),
]

TOWNS = ["永康", "芝英", "古山", "象珠", "西城", "东城", "石柱", "唐先", "龙山", "方岩", "花街", "舟山", "前仓"]
TRADES = [
    # product word, industry code, supply-chain position
    ("五金制品", "C3399", SupplyChainPosition.ASSEMBLY), ("电动工具", "C3463", SupplyChainPosition.ASSEMBLY),
    ("门业", "C3312", SupplyChainPosition.ASSEMBLY), ("杯业", "C3381", SupplyChainPosition.ASSEMBLY),
    ("锁具", "C3351", SupplyChainPosition.ASSEMBLY), ("厨具", "C3381", SupplyChainPosition.ASSEMBLY),
    ("衡器", "C4014", SupplyChainPosition.ASSEMBLY), ("车业", "C3770", SupplyChainPosition.ASSEMBLY),
    ("标准件", "C3482", SupplyChainPosition.COMPONENTS), ("模具", "C3525", SupplyChainPosition.COMPONENTS),
    ("铸造", "C3391", SupplyChainPosition.COMPONENTS), ("电机", "C3811", SupplyChainPosition.COMPONENTS),
    ("不锈钢材料", "C3140", SupplyChainPosition.RAW_MATERIALS), ("铝材", "C3252", SupplyChainPosition.RAW_MATERIALS),
    ("塑料配件", "C2929", SupplyChainPosition.COMPONENTS), ("园林工具", "C3422", SupplyChainPosition.ASSEMBLY),
    ("五金贸易", "F5174", SupplyChainPosition.DISTRIBUTION), ("物流", "G5430", SupplyChainPosition.SERVICES),
    ("表面处理", "C3360", SupplyChainPosition.SERVICES), ("包装", "C2231", SupplyChainPosition.SERVICES),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["建国", "海峰", "丽华", "志强", "永明", "晓东", "春燕", "国平", "伟军", "美玲", "建华", "旭东", "小芳",
         "金水", "跃进", "秀英", "德明", "卫东", "红梅", "立新"]

N_FIRMS = 46
N_INVESTORS = 12



def _code(serial: int, authority: str = "9", org_type: str = "1") -> str:
    return make_uscc(authority=authority, org_type=org_type, division=REGION_CODE, serial=77_000_000 + serial)


def _existing(credit_code: str) -> Agent | None:
    return Agent.objects.filter(credit_code=credit_code).first()


def _firms(rng: random.Random):
    used = set()
    for i in range(N_FIRMS):
        product, industry, position = TRADES[i % len(TRADES)]
        town = TOWNS[(i * 7) % len(TOWNS)]
        name = f"{town}{'市' if town == '永康' else ''}{['恒', '金', '华', '鼎', '力', '宏', '正', '新', '东', '盛'][i % 10]}" \
               f"{['达', '利', '丰', '源', '泰', '通', '诚', '美', '兴', '隆'][(i // 10 + i) % 10]}{product}有限公司"
        if name in used:
            name = name.replace("有限公司", "制造有限公司")
        used.add(name)
        # Firm sizes: most micro and small, some medium — as in a county hardware cluster.
        tier = rng.choices(["micro", "small", "medium"], weights=[30, 50, 20])[0]
        employees = {"micro": rng.randint(6, 19), "small": rng.randint(20, 290), "medium": rng.randint(300, 850)}[tier]
        revenue_wan = {"micro": rng.randint(80, 290), "small": rng.randint(300, 1900),
                       "medium": rng.randint(2000, 30000)}[tier]
        yield {
            "name": name, "industry_code": industry, "supply_chain_position": position,
            "credit_code": _code(1000 + i),
            "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "founded_on": date(rng.randint(1993, 2022), rng.randint(1, 12), rng.randint(1, 28)),
            "employees": employees,
            "annual_revenue": Decimal(revenue_wan * 10000) + Decimal(rng.randint(0, 9999)),
            "registered_capital": Decimal(rng.choice([50, 100, 200, 300, 500, 800, 1000, 2000]) * 10000),
            "main_products": product, "address": f"{REGION}{town}工业区{rng.randint(1, 300)}号",
        }


def seed(world: dict, out) -> None:
    rng = random.Random(20261126)  # same data every run
    gov_code = _code(1, authority="1", org_type="1")
    gov = _existing(gov_code) or government_register(
        name="永康市人民政府金融工作办公室", credit_code=gov_code, region_code=REGION_CODE, region=REGION,
        authority="永康市人民政府", department="金融工作办公室", level="county",
        address="永康市金城路1号",
    ).agent
    cluster = Cluster.objects.filter(name=CLUSTER_NAME).first() or cluster_create(
        name=CLUSTER_NAME, region_code=REGION_CODE, region=REGION, core_industry="C33",
        finance_company_name="永康五金产业集群财务有限公司", finance_company_credit_code=_code(2),
        description="中国五金之都的五金制品、电动工具、门业、杯业产业集群。", founded_on=date(2019, 6, 18),
    )
    fc = cluster.finance_company

    institutions = []
    for name, itype, size, serial in INSTITUTIONS:
        code = _code(serial)
        total_assets = Decimal(rng.randint(20, 4000)) * Decimal(100_000_000)  # drawn every run: same data
        agent = _existing(code) or institution_register(
            name=name, credit_code=code, region_code=REGION_CODE, region=REGION, institution_type=itype,
            size_class=size, licence_no=f"B{serial:04d}H233078{serial}",
            total_assets=total_assets, branch=f"{REGION}{name}营业部",
        ).agent
        cluster_join(cluster=cluster, agent=agent, joined_on=date(2019, 7, 1))
        institutions.append(agent)

    firms = []
    for i, data in enumerate(_firms(rng)):
        agent = _existing(data["credit_code"]) or enterprise_register(
            region_code=REGION_CODE, region=REGION, **data
        ).agent
        cluster_join(cluster=cluster, agent=agent, member_no=f"YK{i + 1:04d}",
                     joined_on=date(2019 + i % 5, 1 + i % 12, 1 + i % 27))
        firms.append(agent)

    investors = []
    for i in range(N_INVESTORS):
        group = i in (3, 8)
        name = (f"{TOWNS[i]}镇民间投资协会" if group else rng.choice(SURNAMES) + rng.choice(GIVEN))
        code = _code(500 + i, authority="5", org_type="1") if group else ""
        occupation = "" if group else rng.choice(["个体工商户", "教师", "退休职工", "企业主", "医生", "会计"])
        agent = (Agent.objects.filter(kind=AgentKind.INVESTOR, name=name).first() or investor_register(
            name=name, region_code=REGION_CODE, region=REGION, credit_code=code,
            investor_type="group" if group else "individual", suitability=f"C{1 + (i * 3) % 5}",
            assessed_on=date(2026, 1 + i % 10, 10), occupation=occupation,
        ).agent)
        cluster_join(cluster=cluster, agent=agent, joined_on=date(2024, 3, 1))
        investors.append(agent)

    agents_by_kind = {
        AgentKind.ENTERPRISE: firms[0], AgentKind.FINANCE_COMPANY: fc, AgentKind.GOVERNMENT: gov,
        AgentKind.INSTITUTION: institutions[0], AgentKind.INVESTOR: investors[0],
    }
    users = {}
    for email, role, kind, full_name in DEMO_USERS:
        user = user_get_or_create(email=email, password=DEMO_PASSWORD, first_name=full_name[1:],
                                  last_name=full_name[0])
        membership_create(user=user, agent=agents_by_kind[kind], role=role)
        users[role] = user
    User = get_user_model()
    if not User.objects.filter(email=ADMIN_EMAIL).exists():
        User.objects.create_superuser(username=ADMIN_EMAIL, email=ADMIN_EMAIL, password=DEMO_PASSWORD)

    world.update(cluster=cluster, finance_company=fc, government=gov, institutions=institutions, firms=firms,
                 investors=investors, users=users, rng=rng)
    out.write(f"  registry: 1 government, 1 finance company, {len(institutions)} institutions, "
              f"{len(firms)} firms, {len(investors)} investors")
