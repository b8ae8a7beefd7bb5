"""GB/T 4754-2017 industrial classification: the 20 sections and the divisions (大类) found in
county manufacturing clusters and the trades around them. A code is a section letter plus a
division (2 digits), optionally a group (3) or class (4): ``C33``, ``C3311``."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SECTIONS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业", "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业", "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业", "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业",
    "P": "教育", "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

DIVISIONS = {
    "C13": "农副食品加工业", "C17": "纺织业", "C18": "纺织服装、服饰业", "C19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "C20": "木材加工和木、竹、藤、棕、草制品业", "C21": "家具制造业", "C22": "造纸和纸制品业",
    "C23": "印刷和记录媒介复制业", "C24": "文教、工美、体育和娱乐用品制造业", "C26": "化学原料和化学制品制造业",
    "C29": "橡胶和塑料制品业", "C30": "非金属矿物制品业", "C31": "黑色金属冶炼和压延加工业",
    "C32": "有色金属冶炼和压延加工业", "C33": "金属制品业", "C34": "通用设备制造业", "C35": "专用设备制造业",
    "C36": "汽车制造业", "C37": "铁路、船舶、航空航天和其他运输设备制造业", "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业", "C40": "仪器仪表制造业", "C41": "其他制造业",
    "C42": "废弃资源综合利用业", "C43": "金属制品、机械和设备修理业",
    "F51": "批发业", "F52": "零售业", "G54": "道路运输业", "G59": "装卸搬运和仓储业", "G60": "邮政业",
    "I64": "互联网和相关服务", "I65": "软件和信息技术服务业", "J66": "货币金融服务", "J67": "资本市场服务",
    "J68": "保险业", "J69": "其他金融业", "L71": "租赁业", "L72": "商务服务业", "M73": "研究和试验发展",
    "M74": "专业技术服务业", "M75": "科技推广和应用服务业", "E47": "房屋建筑业", "H62": "餐饮业",
}

_CODE_RE = re.compile(r"^[A-T](\d{2}(\d{1,2})?)?$")


def validate_industry_code(value: str) -> None:
    code = (value or "").strip().upper()
    if not _CODE_RE.match(code) or (len(code) >= 3 and code[:3] not in DIVISIONS):
        raise ValidationError(
            _("%(code)s is not a GB/T 4754-2017 industry code known to the platform (e.g. C33, C3311)."),
            code="industry", params={"code": value},
        )


def industry_name(code: str) -> str:
    code = (code or "").upper()
    return DIVISIONS.get(code[:3]) or SECTIONS.get(code[:1], "")


def industry_choices():
    return [(code, f"{code} {name}") for code, name in DIVISIONS.items()]
