"""Size class of a firm per 工信部联企业〔2011〕300号 (the official SME classification).

Each sector has thresholds on employees and on annual operating revenue (营业收入, in 万元).
A firm is *medium* when it reaches both medium thresholds, *small* when it reaches both
small thresholds, *micro* otherwise; *large* (not an SME) when it reaches both large ones.
"""

from decimal import Decimal

from .choices import SizeClass

W = Decimal(10000)  # yuan per 万元

# sector: (large: employees, revenue万), (medium: ...), (small: ...); None revenue = not used
_RULES = {
    "industry": ((1000, 40000), (300, 2000), (20, 300)),
    "wholesale": ((200, 40000), (20, 5000), (5, 1000)),
    "retail": ((300, 20000), (50, 500), (10, 100)),
    "transport": ((1000, 30000), (300, 3000), (20, 200)),
    "warehousing": ((200, 30000), (100, 1000), (20, 100)),
    "software": ((300, 10000), (100, 1000), (10, 50)),
    "construction": ((None, 80000), (None, 6000), (None, 300)),
    "other": ((300, None), (100, None), (10, None)),
}


def sector_of(industry_code: str) -> str:
    code = (industry_code or "").upper()
    if code[:1] in ("B", "C", "D"):
        return "industry"
    if code[:3] == "F51":
        return "wholesale"
    if code[:3] == "F52":
        return "retail"
    if code[:3] in ("G53", "G54", "G55", "G56", "G57", "G58"):
        return "transport"
    if code[:3] == "G59":
        return "warehousing"
    if code[:3] in ("I64", "I65"):
        return "software"
    if code[:1] == "E":
        return "construction"
    return "other"


def _reaches(threshold, employees: int, revenue_wan: Decimal) -> bool:
    min_emp, min_rev = threshold
    return (min_emp is None or employees >= min_emp) and (min_rev is None or revenue_wan >= min_rev)


def classify(*, industry_code: str, employees: int, annual_revenue: Decimal) -> str:
    """``annual_revenue`` in yuan (Decimal)."""
    large, medium, small = _RULES[sector_of(industry_code)]
    revenue_wan = Decimal(annual_revenue) / W
    if _reaches(large, employees, revenue_wan):
        return SizeClass.LARGE
    if _reaches(medium, employees, revenue_wan):
        return SizeClass.MEDIUM
    if _reaches(small, employees, revenue_wan):
        return SizeClass.SMALL
    return SizeClass.MICRO
