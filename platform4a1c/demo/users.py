"""The demo users, one per role (plain data: importable before Django is set up)."""

from agents.choices import AgentKind, Role

DEMO_USERS = [
    # email, role, kind, name
    ("enterprise@demo.4a1c.cn", Role.ENTERPRISE_OWNER, AgentKind.ENTERPRISE, "陈建国"),
    ("enterprise-finance@demo.4a1c.cn", Role.ENTERPRISE_FINANCE, AgentKind.ENTERPRISE, "陈丽华"),
    ("finance@demo.4a1c.cn", Role.FC_ANALYST, AgentKind.FINANCE_COMPANY, "李晓东"),
    ("finance-manager@demo.4a1c.cn", Role.FC_MANAGER, AgentKind.FINANCE_COMPANY, "王海峰"),
    ("gov@demo.4a1c.cn", Role.GOV_SUPERVISOR, AgentKind.GOVERNMENT, "周志强"),
    ("bank@demo.4a1c.cn", Role.INST_OFFICER, AgentKind.INSTITUTION, "吴美玲"),
    ("bank-manager@demo.4a1c.cn", Role.INST_MANAGER, AgentKind.INSTITUTION, "徐国平"),
    ("investor@demo.4a1c.cn", Role.INVESTOR, AgentKind.INVESTOR, "胡金水"),
]
ADMIN_EMAIL = "admin@demo.4a1c.cn"
