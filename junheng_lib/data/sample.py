"""A realistic fictional city (云州市) of county school statistics, seeded and vectorized.

``generate()`` returns the three contract tables (schools, classes, counties). The committed
sample city (``data/sample/``) is ``generate(SAMPLE_PROFILES, years=(2022, 2023, 2024), seed=2024)``;
``junheng sample`` makes data of any size with the same realism.

Each school draws a persistent "resource level" and per-indicator noise; a county's spread of
school levels (``sigma``) sets its CVs, and ``trend`` moves that spread over the years (a county
that improves, one that slips). Values follow the ranges of published county tables: per-student
teaching area 3–6 ㎡, sports area 4–11 ㎡, equipment 1 000–5 000 元, 8–25 computers per 100,
15–50 books, teachers per student ≈ 0.05 (小学) / 0.075 (初中).

``random_profiles(n, rng, provinces=P)`` makes a national-scale table instead: the ``n`` counties
spread over ``P`` fictional provinces (…省) of 8–20 cities (…市) of 3–15 counties (…区/…县) each
where the counts allow, every county with a 6-digit 区划代码 (province 2 digits + city 2 + county 2:
districts 02…, counties 21…) and a name unique nationally.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng_lib.data.sample_records import sample_records
from junheng_lib.util.fileio import atomic_dir

__all__ = ["SAMPLE_PROFILES", "generate", "random_profiles", "MAX_PROVINCES", "MAX_COUNTIES"]

CITY = ("云川省", "云州市")

#: name, code, urban share, schools, sigma (spread of resources), trend of sigma per year, wealth
SAMPLE_PROFILES = pd.DataFrame([
    # name    code     urban  n_sch sigma  trend  wealth
    ("东湖区", "530102", 0.85, 34, 0.20, 0.00, 1.25),   # rich urban district: near 优质均衡
    ("西山区", "530103", 0.75, 38, 0.30, 0.00, 1.15),
    ("南江区", "530104", 0.60, 42, 0.34, -0.01, 1.05),
    ("临河县", "530121", 0.25, 56, 0.40, 0.00, 0.95),
    ("清溪县", "530122", 0.20, 60, 0.42, 0.00, 0.90),
    ("白石县", "530123", 0.15, 64, 0.92, 0.01, 0.75),   # fails 基本均衡
    ("安平县", "530124", 0.22, 52, 0.38, 0.00, 0.95),
    ("永宁县", "530125", 0.18, 58, 0.42, 0.10, 0.90),   # slips year by year
    ("桃源县", "530126", 0.20, 50, 0.46, -0.09, 1.00),  # improves year by year
    ("凤鸣县", "530127", 0.16, 48, 0.44, 0.02, 0.85),
], columns=["county", "county_code", "urban", "n_schools", "sigma", "trend", "wealth"])

_TOWNS = [t[i:i + 2] for t in ["城关石桥河口新集黄龙白马青山柳林高坪大坝长岭三江桂花龙泉金竹双河平安凤凰"] for i in range(0, len(t), 2)]
_VILLAGES = ["张村", "李庄", "王家湾", "刘集", "陈岗", "杨柳", "赵庄", "周家坝", "吴村", "孙岭",
             "马店", "胡家冲", "朱楼", "高庄", "林场", "何湾", "郭集", "罗岭", "梁庄", "宋村",
             "唐家铺", "许庄", "韩湾", "冯村", "邓岗", "曹庄", "彭家湾", "曾村", "肖岭", "田坝"]
_ORD = "一二三四五六七八九十"

# per-student levels at wealth 1 (小学; 初中 = × junior factor)
_LEVEL = {"teach": (4.2, 1.25), "sports": (7.0, 1.35), "equip": (2100.0, 1.25), "comp": (11.0, 1.15),
          "books": (24.0, 1.35), "mm": (2.6, 1.0)}


def _cn_number(k: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (school ordinals)."""
    tens, ones = divmod(k, 10)
    t = "" if tens == 0 else ("十" if tens == 1 else _ORD[tens - 1] + "十")
    return t + (_ORD[ones - 1] if ones else "")


_FIRST = "东西南北中新永安长青白石桃凤临清平宁和兴福丰华泰嘉庆隆昌盛云山江河湖海松柏梅兰竹金玉"
_SECOND = "阳山江河城川林源水宁安平丰泉溪桥湖岭州台原坪田岗峰浦塘谷滨口洲阜乡亭营集庄渡关"


def _county_names(n: int) -> list[str]:
    """Distinct fictional two-character county names (安河县, 凤溪区 …) for synthetic data."""
    names = []
    for i in range(n):
        a, b = _FIRST[i % len(_FIRST)], _SECOND[(i // len(_FIRST)) % len(_SECOND)]
        k = i // (len(_FIRST) * len(_SECOND))
        names.append(f"{a}{b}{'县' if k % 2 == 0 else '区'}" + (str(k // 2 + 1) if k >= 2 else ""))
    return names


def random_profiles(n: int, rng: np.random.Generator, provinces: int | None = None) -> pd.DataFrame:
    """County profiles for synthetic data of any size (same ranges as the sample city).

    Without ``provinces`` every county is in 云州市 (云川省), as always. With ``provinces`` the
    profiles also carry ``province``, ``city`` and a consistent ``county_code`` (see
    :func:`_national`); the draws of the profile values are the same, the geography is drawn after.
    """
    if provinces is not None:
        _check_national(n, provinces)
    idx = np.arange(n)
    urban = rng.uniform(0.1, 0.9, n)
    sigma = rng.uniform(0.22, 0.55, n)
    sigma[idx % 10 == 5] = rng.uniform(0.7, 0.85, (idx % 10 == 5).sum())
    trend = rng.normal(0, 0.03, n)
    trend[idx % 10 == 7] = 0.1
    trend[idx % 10 == 8] = -0.09
    profiles = pd.DataFrame({
        "county": _county_names(n), "county_code": [f"{510000 + i:06d}" for i in idx],
        "urban": urban, "n_schools": rng.integers(40, 110, n), "sigma": sigma, "trend": trend,
        "wealth": rng.uniform(0.75, 1.3, n)})
    return profiles if provinces is None else _national(profiles, provinces, rng)


# ------------------------------------------------------------------------------ national-scale geography
#: first two digits of the 31 provincial codes (GB/T 2260 order), then the other two-digit numbers
_PROVINCE_CODES = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                   50, 51, 52, 53, 54, 61, 62, 63, 64, 65)
_PROVINCE_CODES += tuple(c for c in range(10, 100) if c not in _PROVINCE_CODES)
MAX_PROVINCES = len(_PROVINCE_CODES)  # 90: the province part of a code is two digits, 10–99
_MAX_CITIES = 99                      # city part: 01–99
_MAX_DISTRICTS, _MAX_RURAL = 18, 79   # county part: districts (区) 02–19, counties (县) 21–99
_MAX_PER_CITY = _MAX_DISTRICTS + _MAX_RURAL
MAX_COUNTIES = 30000                  # distinct fictional names (China has about 2 850 counties)

# name stems: fictional, in the style of Chinese place names (two characters, a third in front when
# the two-character ones run out); real provinces and well-known real cities are left out
_PROV_A, _PROV_B = "云川江河湖海山岭泽原林青华嘉安永泰宁平康丰兴瑞清金玉明秀", "川江河湖海山岭原南北东西中阳宁安平"
_CITY_A = "云青临永安长宁平泰嘉兴福丰华庆昌盛金玉明德广武定光通宝鹤龙凤白石桂柳梧松兰"
_CITY_B = "州阳江山城原安宁丰平川林泉门昌德兴远沙溪"
_CNTY_A = _FIRST + "广武定德光明通宝鹤沙建开乐怀龙会仁文昭崇宜吉祥瑞康"
_CNTY_B = _SECOND + "陵陂沟化远门店埠湾坝场铺寨"
_PREFIX = "上下大小新老前后高"
_REAL = set("""北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南
广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门 云川 云州 华南 华北 华东 华中 华西
唐山 邯郸 邢台 保定 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 包头 乌海
赤峰 通辽 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 长春 四平 辽源 通化 白山 松原
白城 鸡西 鹤岗 大庆 伊春 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波
温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安
亳州 池州 宣城 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州
上饶 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 安阳
鹤壁 新乡 焦作 濮阳 许昌 漯河 南阳 商丘 信阳 周口 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁
随州 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 益阳 郴州 永州 怀化 娄底 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江
茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 钦州 贵港 玉林
百色 贺州 河池 来宾 崇左 海口 三亚 三沙 儋州 成都 自贡 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾
广安 达州 雅安 巴中 资阳 贵阳 遵义 安顺 毕节 铜仁 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 拉萨 昌都 林芝
山南 那曲 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳
定西 陇南 西宁 海东 银川 吴忠 固原 中卫 哈密 兴安 通州 锡林""".split())


def _check_national(n: int, provinces: int) -> None:
    """Refuse (ValueError, Chinese) counts that no 6-digit code scheme can hold."""
    if provinces < 1:
        raise ValueError(f"省数应不小于1，而不是{provinces}")
    if provinces > MAX_PROVINCES:
        raise ValueError(f"省数最多为{MAX_PROVINCES}(区划代码的省级两位为10–99)，而不是{provinces}")
    if n < provinces:
        raise ValueError(f"县区数({n})少于省数({provinces})：每个省至少要有一个县区")
    if n > MAX_COUNTIES:
        raise ValueError(f"带省、市的数据最多生成{MAX_COUNTIES}个县区(全国约2850个)，而不是{n}")
    if n > provinces * _MAX_CITIES * _MAX_PER_CITY:
        raise ValueError(f"县区数({n})超出{provinces}个省的6位区划代码所能容纳的数量"
                         f"(每省最多{_MAX_CITIES}个市，每市最多{_MAX_PER_CITY}个县区)")


def _split(total: int, parts: int, lo: int, hi: int, rng: np.random.Generator, spread: float = 0.6) -> np.ndarray:
    """``total`` as ``parts`` random whole sizes, each in [lo, hi] (the bounds widen when the total
    cannot fit them)."""
    lo = min(lo, total // parts)
    hi = max(hi, -(-total // parts))
    w = rng.uniform(1 - spread, 1 + spread, parts)
    raw = (total - lo * parts) * w / w.sum()
    sizes = np.floor(raw).astype(np.int64)
    left = total - lo * parts - int(sizes.sum())
    sizes[np.argsort(sizes - raw, kind="stable")[:left]] += 1   # largest remainders
    sizes += lo
    excess = int(np.maximum(sizes - hi, 0).sum())
    sizes = np.minimum(sizes, hi)
    for i in rng.permutation(parts):  # what went over hi goes to parts with room
        if excess == 0:
            break
        take = min(hi - sizes[i], excess)
        sizes[i] += take
        excess -= take
    return sizes


class _Stems:
    """Distinct place-name stems, drawn at random; a stem used at one level is not used at another."""

    def __init__(self, rng: np.random.Generator):
        self.rng, self.used = rng, set(_REAL) | set(SAMPLE_PROFILES["county"].str[:2])  # not 云州市's names

    def draw(self, k: int, first: str, second: str) -> list[str]:
        """``k`` stems: two characters from ``first`` × ``second``, then with a character in front
        (新安河, 上清溪 …), then the county stems with one in front."""
        grid = [a + b for a in dict.fromkeys(first) for b in dict.fromkeys(second) if a != b]
        out = self._take(grid, k)
        for pool in (grid, [a + b for a in dict.fromkeys(_CNTY_A) for b in dict.fromkeys(_CNTY_B) if a != b]):
            if len(out) < k:
                out += self._take([p + g for p in _PREFIX for g in pool], k - len(out))
        if len(out) < k:  # not reached within the checked counts (MAX_COUNTIES)
            raise ValueError(f"无法生成{k}个不重复的地名")
        return out

    def _take(self, pool: list[str], k: int) -> list[str]:
        out = []
        for i in self.rng.permutation(len(pool)):
            if len(out) == k:
                break
            if pool[i] not in self.used:
                self.used.add(pool[i])
                out.append(pool[i])
        return out


def _national(profiles: pd.DataFrame, provinces: int, rng: np.random.Generator) -> pd.DataFrame:
    """Give the profiles a nation of ``provinces`` provinces: province, city, county name (unique
    nationally), a consistent county_code, and town shares/wealth that follow 区/县 and province."""
    n = len(profiles)
    per_prov = _split(n, provinces, 24, 20 * 15, rng, spread=0.65)
    per_city, prov_of_city = [], []
    for p_i, m in enumerate(per_prov):
        m = int(m)
        want = min(max(int(round(m / rng.uniform(6.5, 10.5))), 8), 20)  # 8–20 cities …
        c = min(max(want, -(-m // 15)), max(m // 3, 1), _MAX_CITIES)  # … of 3–15 counties, where possible
        per_city += list(_split(m, c, 3, 15, rng))
        prov_of_city += [p_i] * c
    stems = _Stems(rng)
    prov_names = [s + "省" for s in stems.draw(provinces, _PROV_A, _PROV_B)]
    city_names = [s + "市" for s in stems.draw(len(per_city), _CITY_A, _CITY_B)]
    county_stems = stems.draw(n, _CNTY_A, _CNTY_B)
    province, city, kind, code = [], [], [], []
    city_no = 0
    for ci, (p_i, size) in enumerate(zip(prov_of_city, per_city)):
        size = int(size)
        city_no = city_no + 1 if ci and prov_of_city[ci - 1] == p_i else 1
        # districts (市辖区) first: a capital (the province's first city) has more
        d = int(rng.integers(4, 9) if city_no == 1 else rng.integers(1, 4))
        d = min(max(min(d, size), size - _MAX_RURAL), _MAX_DISTRICTS)
        head = f"{_PROVINCE_CODES[p_i]:02d}{city_no:02d}"
        province += [prov_names[p_i]] * size
        city += [city_names[ci]] * size
        kind += ["区"] * d + ["县"] * (size - d)
        code += [f"{head}{j + 2:02d}" for j in range(d)] + [f"{head}{j + 21:02d}" for j in range(size - d)]
    kind = np.array(kind)
    out = profiles.copy()
    out.insert(0, "province", province)
    out.insert(1, "city", city)
    out["county"] = [s + k for s, k in zip(county_stems, kind)]
    out["county_code"] = code
    out["short"] = county_stems  # the stem school names start with
    district = kind == "区"
    out["urban"] = np.where(district, rng.uniform(0.55, 0.9, n), rng.uniform(0.1, 0.45, n))
    prov_idx = np.repeat(np.arange(provinces), per_prov)
    out["wealth"] = np.clip(out["wealth"].to_numpy() * rng.uniform(0.9, 1.12, provinces)[prov_idx], 0.75, 1.35)
    return out


def _school_frame(profiles: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The persistent part of every school: county, type, location, ownership, size, level."""
    n_per = profiles["n_schools"].to_numpy()
    county_idx = np.repeat(np.arange(len(profiles)), n_per)
    serial = np.concatenate([np.arange(k) for k in n_per])
    n = len(county_idx)
    urban = profiles["urban"].to_numpy()[county_idx]
    u = rng.uniform(size=n)
    location = np.where(u < urban * 0.8, "城区", np.where(u < urban * 0.8 + 0.3, "镇区", "乡村"))
    t = rng.uniform(size=n)
    rural = location == "乡村"
    stype = np.select(
        [t < 0.50, t < 0.72, t < 0.84, t < 0.89],
        ["小学", "初中", "九年一贯制学校", "完全中学"], default="小学")
    stype = np.where(rural & (rng.uniform(size=n) < 0.30), "教学点", stype)
    # fixed slots per county: a 十二年一贯制 in the first urban county, a special school, 民办, 市属
    first = serial == 0
    stype = np.where(first, "特殊教育学校", stype)
    stype = np.where((serial == 1) & (county_idx == 0), "十二年一贯制学校", stype)
    stype = np.where(serial == 2, "完全中学", stype)
    ownership = np.where((serial == 3) | ((serial == 4) & (urban > 0.5)), "民办", "公办")
    affiliation = np.where((serial == 5) & (urban > 0.5), "市属", "县属")
    location = np.where(stype == "教学点", "乡村", location)
    size_base = {"城区": 1.0, "镇区": 0.55, "乡村": 0.22}
    sb = pd.Series(location).map(size_base).to_numpy()
    df = pd.DataFrame({"county_idx": county_idx, "serial": serial, "school_type": stype, "location": location,
                       "ownership": ownership, "affiliation": affiliation})
    p = np.zeros(n)
    j = np.zeros(n)
    s = np.zeros(n)
    ln = rng.lognormal(0, 0.35, n)
    is_p = stype == "小学"
    p[is_p] = (1500 * sb * ln)[is_p]
    is_j = stype == "初中"
    j[is_j] = (1200 * sb * ln)[is_j]
    is_9 = stype == "九年一贯制学校"
    p[is_9] = (700 * sb * ln)[is_9]
    j[is_9] = (520 * sb * ln)[is_9]
    is_c = stype == "完全中学"
    j[is_c] = (1000 * ln)[is_c]
    s[is_c] = (1400 * ln)[is_c]
    is_12 = stype == "十二年一贯制学校"
    p[is_12], j[is_12], s[is_12] = 1300 * ln[is_12], 900 * ln[is_12], 800 * ln[is_12]
    is_tp = stype == "教学点"
    p[is_tp] = rng.integers(12, 95, n)[is_tp]
    is_sp = stype == "特殊教育学校"
    p[is_sp] = rng.integers(60, 160, n)[is_sp]
    j[is_sp] = rng.integers(20, 70, n)[is_sp]
    df["p0"], df["j0"], df["s0"] = np.round(p), np.round(j), np.round(s)
    # persistent school level: common factor (richer in towns) + per-indicator noise
    df["z"] = rng.normal(size=n) + np.where(location == "城区", 0.35, np.where(location == "镇区", 0.0, -0.35))
    for k in list(_LEVEL) + ["ratio", "deg", "mid", "bb", "pe"]:
        df[f"e_{k}"] = rng.normal(size=n)
    # teaching points belong to a central 小学/九年一贯制 of the same county
    return df


def _names(df: pd.DataFrame, profiles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    county = profiles["county"].to_numpy()[df["county_idx"]]
    code = profiles["county_code"].to_numpy()[df["county_idx"]]
    serial = df["serial"].to_numpy()
    town = np.array(_TOWNS)[(serial * 7 + df["county_idx"].to_numpy() * 3) % len(_TOWNS)]
    vill = np.array(_VILLAGES)[(serial * 11 + df["county_idx"].to_numpy()) % len(_VILLAGES)]
    ordn = np.array([_cn_number(i + 1) for i in range(int(serial.max()) + 1)])[serial]
    st = df["school_type"].to_numpy()
    loc = df["location"].to_numpy()
    suffix = pd.Series(st).map({"小学": "小学", "初中": "中学", "九年一贯制学校": "学校", "完全中学": "中学",
                                "十二年一贯制学校": "实验学校", "教学点": "教学点", "特殊教育学校": "特殊教育学校"}).to_numpy()
    if "short" in profiles:  # national profiles: the county's name stem (two or three characters)
        cname = profiles["short"].to_numpy().astype(object)[df["county_idx"]]
    else:
        cname = pd.Series(county).str.slice(0, 2).to_numpy().astype(object)
    base = np.where(loc == "城区", cname + np.char.add(np.char.add("第", ordn.astype(str)), "").astype(object),
                    np.where(loc == "镇区", cname + town.astype(object) + "镇中心", cname + town.astype(object) + "镇" + vill.astype(object)))
    name = base + suffix
    name = np.where(st == "特殊教育学校", county.astype(object) + "特殊教育学校", name)
    name = np.where(df["ownership"].to_numpy() == "民办", cname + "育英" + np.where(suffix == "小学", "小学", "学校").astype(object) + "(民办)", name)
    # de-duplicate within a county by appending the serial where needed
    s = pd.Series(name)
    dup = s.groupby([df["county_idx"].to_numpy(), s.to_numpy()]).cumcount().to_numpy()
    name = np.where(dup > 0, s.to_numpy() + "(" + (serial + 1).astype(str).astype(object) + ")", name)
    ids = (np.char.add(code.astype(str), np.char.zfill((serial + 1).astype(str), 4))).astype(object)
    return name, ids


def generate(profiles: pd.DataFrame | None = None, years=(2022, 2023, 2024), seed: int = 2024
             ) -> dict[str, pd.DataFrame]:
    """Generate the schools, classes and counties tables.

    Parameters
    ----------
    profiles : DataFrame, optional
        County profiles (default: :data:`SAMPLE_PROFILES`, the 10 counties of 云州市). Optional
        columns ``province`` and ``city`` (else 云川省/云州市 for all) and ``short`` (the stem school
        names start with; else the county name's first two characters), as
        ``random_profiles(n, rng, provinces=P)`` gives them.
    years : sequence of int
        School years (start years).
    seed : int

    Returns
    -------
    dict with keys ``schools``, ``classes``, ``counties`` (English column names of the contract).
    """
    profiles = SAMPLE_PROFILES if profiles is None else profiles.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    base = _school_frame(profiles, rng)
    names, ids = _names(base, profiles)
    base["school_name"], base["school_id"] = names, ids
    n = len(base)
    ci = base["county_idx"].to_numpy()
    # central school of each teaching point: the first 小学/九年一贯制 of its county
    central_ok = base["school_type"].isin(["小学", "九年一贯制学校"]) & (base["ownership"] == "公办")
    first_central = base[central_ok].groupby("county_idx")["school_id"].first()
    central = np.where(base["school_type"] == "教学点", first_central.reindex(ci).to_numpy(), None)
    years = list(years)
    # the sample city's province and city, or (national profiles) each county's own
    province = profiles["province"].to_numpy()[ci] if "province" in profiles else CITY[0]
    city = profiles["city"].to_numpy()[ci] if "city" in profiles else CITY[1]
    frames = []
    for y_i, year in enumerate(years):
        yr = rng.normal(size=(n, 8)) * 0.08
        grow = 1 + 0.04 * y_i
        sig = (profiles["sigma"].to_numpy() * (1 + profiles["trend"].to_numpy() * y_i * 2.0))[ci]
        wealth = profiles["wealth"].to_numpy()[ci] * grow
        drift = np.exp(rng.normal(0, 0.03, n)) * (1 + 0.01 * y_i)
        P = np.round(base["p0"].to_numpy() * drift)
        J = np.round(base["j0"].to_numpy() * drift)
        S = np.round(base["s0"].to_numpy() * drift)
        z = base["z"].to_numpy()
        weighted = P + 1.1 * J + (np.where(base["school_type"] == "完全中学", 1.2, 1.32)) * S
        weighted = np.where(base["school_type"] == "完全中学", J + 1.2 * S, weighted)
        jf = np.where((P == 0) & (J > 0), 1.0, 0.0)  # junior-only schools get junior levels

        def level(key, col):
            lv, jfac = _LEVEL[key]
            lvl = lv * wealth * np.where(jf > 0, jfac, 1.0)
            x = 0.75 * z + 0.65 * base[f"e_{key}"].to_numpy() + yr[:, col]
            return lvl * np.exp(sig * x - sig ** 2 / 2)

        rec = pd.DataFrame({
            "year": year, "province": province, "city": city,
            "county": profiles["county"].to_numpy()[ci], "county_code": profiles["county_code"].to_numpy()[ci],
            "school_id": base["school_id"], "school_name": base["school_name"],
            "school_type": base["school_type"], "location": base["location"],
            "ownership": base["ownership"], "affiliation": base["affiliation"],
            "central_school_id": central,
            "boarding": np.where((base["location"] == "乡村") & (base["school_type"] != "教学点") & (z < 0.3), "是", "否"),
            "students_primary": P.astype(int), "students_junior": J.astype(int), "students_senior": S.astype(int),
        })
        size_p = np.where(base["location"] == "城区", 46, np.where(base["location"] == "镇区", 42, 30)) \
            + np.round(6 * base["e_ratio"].to_numpy()).clip(-8, 14)
        size_j = size_p + 4
        size_p = np.where(base["school_type"] == "教学点", 12, size_p).clip(8, 70)
        rec["classes_primary"] = np.where(P > 0, np.ceil(P / size_p), 0).astype(int)
        rec["classes_junior"] = np.where(J > 0, np.ceil(J / size_j.clip(10, 72)), 0).astype(int)
        # teachers: small schools have more teachers per student
        tsig = sig / 0.4
        ratio_p = 18.5 * np.exp(0.22 * tsig * base["e_ratio"].to_numpy()) * np.clip(P / 300, 0.35, 1.15) ** 0.35
        ratio_j = 13.0 * np.exp(0.2 * tsig * base["e_ratio"].to_numpy()) * np.clip(J / 300, 0.4, 1.15) ** 0.3
        tp = np.where(P > 0, np.maximum(np.round(P / ratio_p), 1), 0)
        tj = np.where(J > 0, np.maximum(np.round(J / ratio_j), 1), 0)
        tp = np.maximum(tp, np.where(P > 0, rec["classes_primary"] * 1.3, 0)).round()
        tj = np.maximum(tj, np.where(J > 0, rec["classes_junior"] * 2.2, 0)).round()
        rec["teachers_primary"], rec["teachers_junior"] = tp.astype(int), tj.astype(int)

        def share(t, mean, spread, key, col):
            s_ = np.clip(mean + spread * (0.6 * base[f"e_{key}"].to_numpy() + 0.5 * z) * sig / 0.4 + yr[:, col] * 0.2,
                         0, 1)
            return np.minimum(np.round(t * s_), t).astype(int)

        rec["above_degree_primary"] = share(tp, 0.93, 0.05, "deg", 0)
        rec["above_degree_junior"] = share(tj, 0.80, 0.08, "deg", 0)
        rec["mid_title_primary"] = share(tp, 0.42, 0.14, "mid", 1)
        rec["mid_title_junior"] = share(tj, 0.50, 0.14, "mid", 1)
        rec["backbone_primary"] = share(tp, 0.22, 0.09, "bb", 2)
        rec["backbone_junior"] = share(tj, 0.16, 0.07, "bb", 2)
        rec["pe_art_primary"] = share(tp, 0.19, 0.06, "pe", 3)
        rec["pe_art_junior"] = share(tj, 0.13, 0.05, "pe", 3)
        teach = level("teach", 4) * weighted
        indoor = np.where((base["location"] != "乡村") & (z > -0.2), teach * rng.uniform(0.04, 0.12, n), 0.0)
        rec["teaching_area_m2"] = np.round(teach + indoor, 1)
        rec["indoor_sports_area_m2"] = np.round(indoor, 1)
        sports = level("sports", 5) * weighted
        rec["outdoor_sports_area_m2"] = np.round(np.maximum(sports - indoor, 0), 1)
        rec["equipment_value_yuan"] = np.round(level("equip", 6) * weighted, -2)
        rec["computers"] = np.round(level("comp", 7) * weighted / 100).astype(int)
        rec["books"] = np.round(level("books", 0) * weighted, -1).astype(int)
        classes = rec["classes_primary"] + rec["classes_junior"]
        rec["multimedia_rooms"] = np.minimum(np.round(level("mm", 1) * weighted / 100 + 0.4 * classes * 0), classes
                                             + 2).astype(int)
        rooms_per12 = np.clip(1.05 + 0.3 * z + 0.1 * base["e_pe"].to_numpy(), 0.3, 1.6)
        rec["music_rooms"] = np.maximum(np.round(classes / 12 * rooms_per12), np.where(classes > 0, 1, 0)).astype(int)
        rec["art_rooms"] = np.maximum(np.round(classes / 12 * rooms_per12), np.where(classes > 0, 1, 0)).astype(int)
        rec["music_room_area_m2"] = np.round(rec["music_rooms"] * (101 + 8 * base["e_mm"].to_numpy()).clip(60, 130))
        rec["art_room_area_m2"] = np.round(rec["art_rooms"] * (95 + 7 * base["e_books"].to_numpy()).clip(55, 120))
        frames.append(rec)
    schools = pd.concat(frames, ignore_index=True)
    schools = schools.sort_values(["year", "county_code", "school_id"], kind="stable").reset_index(drop=True)
    return {"schools": schools, "classes": _classes(schools, rng), "counties": _counties(profiles, years, rng)}


def _classes(schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per class; sizes sum to the stage's students (even split ± paired deviations).

    Rows come sorted by year, school_id, stage, grade (stable), the sort done on whole-number keys
    (a school's rank by year and school_id, the stage: 初中 before 小学 as the names sort, the grade)
    and the per-class arrays kept small, so that millions of classes fit in little memory.
    """
    _, id_rank = np.unique(schools["school_id"].to_numpy().astype(str), return_inverse=True)
    _, year_rank = np.unique(schools["year"].to_numpy(), return_inverse=True)
    school_key = year_rank.astype(np.int64) * (int(id_rank.max(initial=0)) + 1) + id_rank
    stages = (("小学", "primary", 6), ("初中", "junior", 3))
    kept = []
    for _, suf, _ in stages:
        c = schools[f"classes_{suf}"].to_numpy()
        P = schools[f"students_{suf}"].to_numpy()
        keep = (c > 0) & (P > 0)
        kept.append((np.flatnonzero(keep), c[keep], P[keep]))
    total = sum(int(c.sum()) for _, c, _ in kept)
    rows_all = np.empty(total, np.int64)
    grade_all = np.empty(total, np.int64)
    size_all = np.empty(total, np.int64)
    stage_all = np.empty(total, np.int8)
    at = 0
    for (stage, _, grades), (idx, c, P) in zip(stages, kept):
        m = int(c.sum())
        sl = slice(at, at + m)
        at += m
        rows_all[sl] = np.repeat(idx, c)
        k = np.arange(m) - np.repeat(np.cumsum(c) - c, c)  # 0 … c-1 within each school
        cc = np.repeat(c, c)
        pp = np.repeat(P, c)
        size = pp // cc + (k < (pp % cc))
        del pp
        # a pair moves ±d; d never takes the smaller class below 1 pupil, so the sizes still add up
        d = np.repeat(np.minimum(rng.integers(0, 7, len(c)), np.maximum(P // c - 1, 0)), c)
        pair_ok = (k | 1) < cc  # the last class of an odd count keeps its size
        del cc
        size += np.where(pair_ok, np.where(k % 2 == 0, d, -d), 0)
        del d, pair_ok
        size_all[sl] = size
        del size
        grade_all[sl] = k % grades + (1 if stage == "小学" else 7)
        del k
        stage_all[sl] = int(stage == "小学")
    key = school_key[rows_all]
    key *= 2
    key += stage_all
    key *= 16
    key += grade_all
    order = np.argsort(key, kind="stable")
    del key
    out = pd.DataFrame({"year": schools["year"].to_numpy()[rows_all[order]]})
    out["school_id"] = schools["school_id"].to_numpy()[rows_all[order]]
    del rows_all
    out["stage"] = np.array(["初中", "小学"], dtype=object)[stage_all[order]]
    del stage_all
    out["grade"] = grade_all[order]
    del grade_all
    out["class_size"] = size_all[order]
    return out


def _counties(profiles: pd.DataFrame, years, rng: np.random.Generator) -> pd.DataFrame:
    """County-level finance, teacher rotation, quality and satisfaction items (some missing)."""
    n, ny = len(profiles), len(years)
    ci = np.repeat(np.arange(n), ny)
    yi = np.tile(np.arange(ny), n)
    w = profiles["wealth"].to_numpy()[ci]
    good = 1 - (profiles["sigma"].to_numpy()[ci] - 0.2)
    rev_g = rng.normal(0.05, 0.02, n)[ci]
    app_g = rev_g + rng.normal(0.015, 0.02, n)[ci]
    app_g[ci % 4 == 3] = rev_g[ci % 4 == 3] - 0.02       # some counties fall short of 三个增长
    revenue = 180000 * w * np.exp(rev_g * yi)
    approp = 52000 * w * np.exp(app_g * yi)
    df = pd.DataFrame({
        "year": np.asarray(years)[yi], "county": profiles["county"].to_numpy()[ci],
        "edu_appropriation": np.round(approp, 1), "recurrent_revenue": np.round(revenue, 1),
        "per_student_spending_primary": np.round(11000 * w * np.exp(app_g * yi)),
        "per_student_spending_junior": np.round(15500 * w * np.exp(app_g * yi)),
        "per_student_public_funds_primary": np.round(720 + 40 * yi * np.sign(app_g - rev_g + 0.001)),
        "per_student_public_funds_junior": np.round(1030 + 50 * yi * np.sign(app_g - rev_g + 0.001)),
        "special_ed_public_funds": np.round(rng.uniform(5200, 7500, n * ny), -1),
        "teacher_avg_pay": np.round(98000 * w * (1 + 0.03 * yi) * rng.uniform(0.97, 1.04, n * ny), -1),
        "civil_servant_avg_pay": np.round(99000 * w * (1 + 0.03 * yi), -1),
        "retention_rate_junior": np.round(rng.uniform(93.0, 100.5, n * ny), 1),
        "retention_rate_9yr": np.round(rng.uniform(94.0, 99.5, n * ny), 1),
        "enrollment_rate": 100.0,
        "disabled_enrollment_rate": np.round(rng.uniform(92.0, 99.0, n * ny), 1),
        "dropout_rate_primary": 0.0, "dropout_rate_junior": np.round(rng.uniform(0, 0.6, n * ny), 2),
        "exchange_eligible_teachers": rng.integers(300, 1200, n * ny),
    })
    df["exchanged_teachers"] = np.round(df["exchange_eligible_teachers"] * rng.uniform(0.07, 0.16, n * ny)).astype(int)
    df["exchanged_backbone_teachers"] = np.round(df["exchanged_teachers"] * rng.uniform(0.12, 0.3, n * ny)).astype(int)
    df["training_360_rate"] = np.round(np.clip(rng.normal(99.0, 1.2, n * ny), 90, 100), 1)
    df["certified_teacher_rate"] = np.where(rng.uniform(size=n * ny) < 0.8, 100.0, 99.2)
    df["nearby_enrollment_urban"] = np.where(rng.uniform(size=n * ny) < 0.85, 100.0, 98.5)
    df["nearby_enrollment_town"] = np.round(rng.uniform(93.0, 99.5, n * ny), 1)
    df["quality_hs_quota_share"] = np.round(rng.uniform(45.0, 62.0, n * ny), 1)
    df["migrant_public_share"] = np.round(rng.uniform(82.0, 97.0, n * ny), 1)
    df["satisfaction_rate"] = np.round(np.clip(80 + 12 * good + rng.normal(0, 2, n * ny), 70, 99), 1)
    df["government_work_score"] = np.round(np.clip(82 + 10 * good + rng.normal(0, 2, n * ny), 70, 99), 1)
    df["quality_monitoring_level_ok"] = np.where(good > 0.7, "是", "否")
    df["quality_gap_rate"] = np.round(np.clip(0.2 - 0.12 * good + rng.normal(0, 0.02, n * ny), 0.03, 0.4), 3)
    for col in ("layout_planned", "four_unified", "charters_ict", "ict_use", "moral_education",
                "curriculum_complete", "homework_burden_ok"):
        df[col] = np.where(rng.uniform(size=n * ny) < 0.88, "是", "否")
    df["small_school_funding_ok"] = "是"
    df["staffing_allocated"] = np.where(rng.uniform(size=n * ny) < 0.9, "是", "否")
    df["training_budget_share_ok"] = np.where(rng.uniform(size=n * ny) < 0.85, "是", "否")
    # a few inputs not provided (the report must say 未提供, never pass them)
    miss = rng.uniform(size=(n * ny, 3)) < 0.08
    df.loc[miss[:, 0], "disabled_enrollment_rate"] = np.nan
    df.loc[miss[:, 1], "migrant_public_share"] = np.nan
    df.loc[miss[:, 2], "quality_gap_rate"] = np.nan
    return df


def write_sample(out, profiles: pd.DataFrame | None = None, years=(2022, 2023, 2024), seed: int = 2024
                 ) -> list:
    """Write ``schools.csv``, ``classes.csv``, ``counties.csv`` and the working records
    ``projects.csv``, ``groups.csv`` (:mod:`junheng_lib.data.sample_records`; UTF-8) into ``out``, all
    of them or (on failure) none."""
    from pathlib import Path


    out = Path(out)
    written = []
    tables = generate(profiles, years, seed)
    # the working records (projects, groups) from their own random stream: the tables above are unchanged
    tables.update(sample_records(tables["schools"], SAMPLE_PROFILES if profiles is None else profiles, years, seed))
    with atomic_dir(out) as tmp:
        for name, df in tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
            written.append(out / f"{name}.csv")
    return written
