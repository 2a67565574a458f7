"""Chinese names of our codes, as written in the trade's files, and the default local aliases.

The import accepts a code itself (``B``), its Chinese name (便利店) or an alias from the CodeAlias table,
which admins extend for their own company's wording. DEFAULT_ALIASES are loaded by a data migration.
"""

ZH_NAMES = {
    "retail_format": {
        "Z": "食杂店",
        "B": "便利店",
        "S": "超市",
        "N": "商场",
        "Y": "烟酒商店",
        "F": "娱乐服务类",
        "Q": "其他",
    },
    "market_type": {"C": "城镇", "X": "乡村"},
    "business_scale": {"1": "大", "2": "中", "3": "小"},
    "urban_rural_code": {
        "111": "主城区",
        "112": "城乡结合区",
        "121": "镇中心区",
        "122": "镇乡结合区",
        "123": "特殊区域",
        "210": "乡中心区",
        "220": "村庄",
    },
    "trading_area": {
        "residential": "居民区",
        "market": "集贸区",
        "industrial": "工业区",
        "commercial": "商业娱乐区",
        "office": "办公区",
        "tourist": "旅游景区",
        "transport": "交通枢纽区",
        "campus": "院校学区",
        "other": "其他",
    },
    "credit_rating": {c: c for c in ("AAA", "AA", "A", "B", "C", "D")},
    "status": {"active": "有效", "suspended": "暂停", "closed": "注销"},
}

DEFAULT_ALIASES = [
    ("retail_format", "烟草专业店", "Y"),
    ("retail_format", "烟酒店", "Y"),
    ("retail_format", "食杂", "Z"),
    ("retail_format", "娱乐服务", "F"),
    ("retail_format", "其它", "Q"),
    ("market_type", "城网", "C"),
    ("market_type", "农网", "X"),
    ("market_type", "城市", "C"),
    ("market_type", "农村", "X"),
    ("business_scale", "大型", "1"),
    ("business_scale", "中型", "2"),
    ("business_scale", "小型", "3"),
    ("status", "正常", "active"),
    ("status", "暂停营业", "suspended"),
    ("status", "歇业", "suspended"),
    ("status", "停业", "suspended"),
    ("status", "注销", "closed"),
    ("status", "无效", "closed"),
    ("trading_area", "商业区", "commercial"),
    ("trading_area", "学校", "campus"),
]
