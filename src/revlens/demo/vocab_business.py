"""Word lists for companies and places: cities, brand syllables, industries."""

from __future__ import annotations

# (city, province, city code for domains, sales region, weight)
CN_CITIES: list[tuple[str, str, str, str, float]] = [
    ("北京", "北京", "bj", "华北", 14), ("上海", "上海", "sh", "华东", 14),
    ("深圳", "广东", "sz", "华南", 10), ("广州", "广东", "gz", "华南", 7),
    ("杭州", "浙江", "hz", "华东", 7), ("苏州", "江苏", "suz", "华东", 5),
    ("南京", "江苏", "nj", "华东", 4), ("成都", "四川", "cd", "华南", 4),
    ("武汉", "湖北", "wh", "华东", 3), ("天津", "天津", "tj", "华北", 3),
    ("济南", "山东", "jn", "华北", 2), ("青岛", "山东", "qd", "华北", 2.5),
    ("厦门", "福建", "xm", "华南", 2), ("西安", "陕西", "xa", "华北", 2),
    ("重庆", "重庆", "cq", "华南", 2.5), ("合肥", "安徽", "hf", "华东", 2),
    ("长沙", "湖南", "cs", "华南", 2), ("郑州", "河南", "zz", "华北", 2),
    ("宁波", "浙江", "nb", "华东", 2), ("东莞", "广东", "dg", "华南", 2),
    ("佛山", "广东", "fs", "华南", 1.5), ("无锡", "江苏", "wx", "华东", 1.5),
    ("沈阳", "辽宁", "sy", "华北", 1.5),
]
REGION_TEAMS = {"华北": "华北销售", "华东": "华东销售", "华南": "华南销售", "海外": "International"}

# (city, country, legal suffix, weight)
INTL_CITIES: list[tuple[str, str, str, float]] = [
    ("Singapore", "SG", "Pte. Ltd.", 6), ("Hong Kong", "HK", "Limited", 5),
    ("Tokyo", "JP", "K.K.", 2), ("Seoul", "KR", "Co., Ltd.", 1.5),
    ("Sydney", "AU", "Pty Ltd", 1.5), ("London", "GB", "Ltd", 2),
    ("Frankfurt", "DE", "GmbH", 1.5), ("Paris", "FR", "SAS", 1),
    ("Dubai", "AE", "LLC", 1.5), ("San Francisco", "US", "Inc.", 2),
    ("New York", "US", "Inc.", 1.5), ("Jakarta", "ID", "PT", 1.5),
    ("Kuala Lumpur", "MY", "Sdn. Bhd.", 1.5), ("Bangkok", "TH", "Co., Ltd.", 1),
    ("Ho Chi Minh City", "VN", "JSC", 1),
]

BRAND_FIRST: list[tuple[str, str]] = [
    ("星", "xing"), ("云", "yun"), ("华", "hua"), ("博", "bo"), ("天", "tian"),
    ("中", "zhong"), ("恒", "heng"), ("瑞", "rui"), ("鼎", "ding"), ("宏", "hong"),
    ("启", "qi"), ("明", "ming"), ("远", "yuan"), ("智", "zhi"), ("信", "xin"), ("达", "da"),
    ("新", "xin"), ("创", "chuang"), ("盛", "sheng"), ("越", "yue"), ("腾", "teng"),
    ("辰", "chen"), ("锐", "rui"), ("泰", "tai"), ("安", "an"), ("和", "he"), ("嘉", "jia"),
    ("凯", "kai"), ("德", "de"), ("瀚", "han"), ("海", "hai"), ("光", "guang"), ("科", "ke"),
    ("卓", "zhuo"), ("汇", "hui"), ("联", "lian"), ("通", "tong"), ("力", "li"),
    ("合", "he"), ("元", "yuan"),
]
BRAND_SECOND: list[tuple[str, str]] = [
    ("帆", "fan"), ("辰", "chen"), ("宇", "yu"), ("图", "tu"), ("川", "chuan"), ("峰", "feng"),
    ("源", "yuan"), ("润", "run"), ("驰", "chi"), ("航", "hang"), ("拓", "tuo"),
    ("晟", "sheng"), ("邦", "bang"), ("诚", "cheng"), ("域", "yu"), ("微", "wei"),
    ("擎", "qing"), ("石", "shi"), ("木", "mu"), ("坤", "kun"), ("策", "ce"), ("澜", "lan"),
    ("途", "tu"), ("鑫", "xin"), ("衡", "heng"), ("辉", "hui"), ("迅", "xun"), ("迈", "mai"),
    ("恩", "en"), ("道", "dao"), ("隆", "long"), ("泽", "ze"), ("铭", "ming"), ("朗", "lang"),
    ("成", "cheng"), ("维", "wei"), ("捷", "jie"), ("纳", "na"), ("凡", "fan"), ("森", "sen"),
]

INDUSTRIES: list[str] = [
    "信息技术", "互联网", "制造业", "电子半导体", "医疗健康", "能源", "化工材料", "汽车", "物流",
    "金融", "教育", "零售消费",
]
# Industries where 专精特新 (specialised SME) companies are common.
SPECIALISED_INDUSTRIES = {"制造业", "电子半导体", "医疗健康", "化工材料", "汽车"}

# (word in the company name, code for the domain, industry)
CN_INDUSTRY_WORDS: list[tuple[str, str, str]] = [
    ("科技", "tech", "信息技术"), ("信息技术", "it", "信息技术"), ("软件", "soft", "信息技术"),
    ("网络科技", "net", "互联网"), ("数据科技", "data", "互联网"), ("智能制造", "im", "制造业"),
    ("机械", "mach", "制造业"), ("精密工业", "prec", "制造业"), ("电子", "elec", "电子半导体"),
    ("半导体", "semi", "电子半导体"), ("生物医药", "bio", "医疗健康"),
    ("医疗器械", "med", "医疗健康"), ("新能源", "energy", "能源"), ("环保科技", "env", "能源"),
    ("新材料", "mat", "化工材料"), ("汽车零部件", "auto", "汽车"), ("物流", "logis", "物流"),
    ("供应链", "scm", "物流"), ("金融服务", "fin", "金融"), ("教育科技", "edu", "教育"),
    ("商贸", "trade", "零售消费"), ("食品", "food", "零售消费"),
]
CN_LEGAL_FORMS = [("有限公司", 0.72), ("股份有限公司", 0.2), ("集团有限公司", 0.08)]
CN_TLDS = [("com.cn", 0.45), ("com", 0.4), ("cn", 0.15)]

EN_BRAND_FIRST = [
    "North", "Blue", "Silver", "Green", "Red", "Iron", "Bright", "Clear", "Swift", "High",
    "Deep", "Sun", "Star", "Stone", "Oak", "Pine", "Lake", "River", "Cloud", "Sky", "Gold",
    "Crystal", "Rapid", "True", "Prime", "Nova", "Terra", "Aero", "Quantum", "Vector",
    "Pacific", "Atlas", "Summit", "Harbor", "Falcon", "Eagle", "Lion", "Polar", "Coral", "Maple",
]
EN_BRAND_SECOND = [
    "wind", "peak", "line", "field", "gate", "bridge", "wave", "point", "stone", "crest",
    "ridge", "path", "works", "forge", "light", "core", "mark", "scale", "view", "port", "way",
    "bay", "rock", "wood", "well", "ton", "dale", "haven", "spire", "shore", "vale", "star",
    "leaf", "hill", "mont", "sight", "tech", "gen", "lab", "ware",
]
EN_INDUSTRY_WORDS: list[tuple[str, str]] = [
    ("Analytics", "信息技术"), ("Software", "信息技术"), ("Networks", "互联网"),
    ("Digital", "互联网"), ("Robotics", "制造业"), ("Manufacturing", "制造业"),
    ("Devices", "电子半导体"), ("Semiconductor", "电子半导体"), ("Biotech", "医疗健康"),
    ("Medical", "医疗健康"), ("Energy", "能源"), ("Materials", "化工材料"), ("Motors", "汽车"),
    ("Logistics", "物流"), ("Capital", "金融"), ("Learning", "教育"), ("Retail", "零售消费"),
    ("Foods", "零售消费"),
]
EN_TLDS = [("com", 0.7), ("io", 0.15), ("co", 0.15)]
