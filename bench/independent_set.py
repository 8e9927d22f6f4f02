"""A second OCR benchmark set, drawn independently of the sample generator (zhicheng.sample):
other layouts, other faces of the fonts on the machine, other date styles, seals elsewhere,
certificate numbers with letters, and photos taken at an angle.

    python bench/independent_set.py                 # 48 images into bench/out/independent-set
    python bench/independent_set.py --out DIR --seed 9

Four kinds × two layouts each × six images (2 clean, 2 scanned, 2 photographed):

- 学历证书  A: a portrait form, one labelled line per field, zero-padded numeric dates
               (出生日期：1983年04月07日, 毕业时间：2005年06月30日), the number at the top;
            B: a landscape sheet, the text in one paragraph, the graduation date in Chinese
               numerals under the seal on the LEFT (二〇〇五年六月三十日), "No." before the number;
- 学位证书  A: the birth date in Chinese numerals in the text (一九八三年四月七日生), the award
               date in Chinese numerals at the bottom right; B: "学位授予日期 2005-06-30";
- 现职称证书 A: a two-column table (label cell | value cell), 评审通过时间 2018.11.28, numbers like
               湘职改办字〔2019〕123号 or HNZC20180456; B: 取得资格时间 二〇一八年十一月二十八日 and
               GC2019-0123 numbers, the ID number under 公民身份号码;
- 认定单    A: a list (公需科目学时：30 …), a number like XJ2025-00123; B: a table whose hours sit in
               the cell under their heading (公需科目 | 专业科目 | 合计), the year as 二〇二五年度.

Faces: Noto Sans CJK SC Bold, Noto Serif CJK SC Bold, Noto Sans Mono CJK SC, digits sometimes in
DejaVu Sans or Liberation Serif. Conditions: `clean` (PNG), `scan` (skew up to 1.2°, blur, noise,
JPEG 80), `photo` (perspective up to 8 %, rotation 2-6°, a shadow band, blur, JPEG 72).
`truth.json` has, for each file, the kind, condition, name, ID number (where printed), number,
dates by key, hours, and the roster's declared facts. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.domain.identity import make_id_number  # noqa: E402

DEFAULT_OUT = ROOT / "bench" / "out" / "independent-set"
KINDS = ("学历证书", "学位证书", "现职称证书", "继续教育学时认定单")
CONDITIONS = ("clean", "clean", "scan", "scan", "photo", "photo")
NOTO = "/usr/share/fonts/opentype/noto/"
FACES = {  # (file, index of the SC face in the collection)
    "sans-bold": (NOTO + "NotoSansCJK-Bold.ttc", 2),
    "serif-bold": (NOTO + "NotoSerifCJK-Bold.ttc", 2),
    "mono": (NOTO + "NotoSansCJK-Regular.ttc", 7),
}
LATIN = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦许何吕施张孔曹严华金魏陶姜谢邹喻柏水窦章云苏潘葛范彭郎鲁韦马苗凤方俞任袁柳鲍史唐薛雷贺倪汤罗毕郝邬安常乐于傅齐康伍余顾孟黄萧尹姚邵汪毛狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵季贾路江童颜郭梅盛林钟徐邱骆高夏蔡田胡凌霍虞万卢莫房解应宗丁宣邓洪包左石崔吉龚程邢裴陆荣翁荀甄曲封储靳段焦谷侯全班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹龙叶黎白蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍桑桂濮牛寿通边扈燕冀浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终居衡步都耿满弘匡国文寇广禄阙东欧沃利蔚越夔隆师巩聂晁勾敖融冷辛阚那简饶空曾沙养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公"
GIVEN = "志明建国秀英丽华伟强敏静磊洋艳勇军杰娟涛超霞平刚桂兰文辉玉梅鹏飞晓东红梅海燕永刚丹丹倩雪琳慧佳琪子涵宇轩浩然思远晨曦"
SCHOOLS = ("湖南大学", "中南大学", "湖南师范大学", "长沙理工大学", "湘潭大学", "南华大学", "吉首大学",
           "湖南农业大学", "中南林业科技大学", "湖南科技大学")
MAJORS = ("土木工程", "会计学", "临床医学", "机械设计制造及其自动化", "电气工程及其自动化", "护理学",
          "交通运输", "工商管理", "计算机科学与技术", "环境工程")
LEVELS = {"01": "博士研究生", "02": "硕士研究生", "05": "大学本科", "06": "大学专科"}
CN = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Truth:
    """One image and what it truly shows."""

    file: str
    kind: str
    condition: str
    layout: str
    name: str
    id_number: str | None
    certificate_no: str | None
    dates: dict[str, str]          # by key: graduation, degree_award, title_approval, birth ...
    precision: dict[str, str]      # by key: day / month
    hours: dict[str, int] | None
    declared: dict[str, Any]


def cn_number(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


def cn_date(d: date, day: bool = True) -> str:
    text = "".join(CN[int(c)] for c in str(d.year)) + "年" + cn_number(d.month) + "月"
    return text + (cn_number(d.day) + "日" if day else "")


@dataclass
class Holder:
    name: str
    gender: str
    birth: date
    id_number: str
    graduated: date
    level: str          # 01/02/05/06
    school: str
    major: str
    title_date: date
    year: int
    public: int
    professional: int


def make_holder(rng: random.Random, year: int) -> Holder:
    birth = date(rng.randint(1968, 1996), rng.randint(1, 12), rng.randint(1, 28))
    gender = rng.choice("男女")
    seq = rng.randint(100, 999)
    gender_digit = rng.choice("13579" if gender == "男" else "02468")
    id_number = make_id_number(f"4301{rng.randint(2, 5):02d}{birth:%Y%m%d}{seq:03d}"[:16] + gender_digit)
    level = rng.choice(("05", "05", "02", "06", "01"))
    study = {"05": 4, "06": 3, "02": 7, "01": 10}[level]
    graduated = date(birth.year + 18 + study, rng.choice((6, 7)), rng.choice((20, 25, 28, 30, 1)))
    graduated = min(graduated, date(year - 4, 7, 1))
    title_date = graduated + timedelta(days=rng.randint(4 * 365, 12 * 365))
    title_date = min(title_date, date(year - 2, 12, 20))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    public = rng.randint(24, 40)
    return Holder(name, gender, birth, id_number, graduated, level, rng.choice(SCHOOLS),
                  rng.choice(MAJORS), title_date, year, public, rng.randint(50, 90))


class Page:
    """A white page with a border; text in a chosen face, digits maybe in a Latin face."""

    def __init__(self, w: int, h: int, rng: random.Random) -> None:
        self.img = Image.new("RGB", (w, h), (252, 250, 244))
        self.draw = ImageDraw.Draw(self.img)
        self.rng = rng
        self.face = rng.choice(tuple(FACES))
        self.latin = rng.choice((None,) + LATIN)
        pad = rng.randint(18, 40)
        color = rng.choice(((150, 30, 30), (40, 60, 120), (90, 90, 90)))
        self.draw.rectangle([pad, pad, w - pad, h - pad], outline=color, width=rng.randint(3, 8))

    def font(self, size: int, latin: bool = False) -> ImageFont.FreeTypeFont:
        if latin and self.latin:
            return ImageFont.truetype(self.latin, size)
        path, index = FACES[self.face]
        return ImageFont.truetype(path, size, index=index)

    def text(self, x: float, y: float, text: str, size: int, fill: tuple[int, int, int] = (20, 20, 20)) -> float:
        """Draw `text` (digits and Latin letters in the Latin face, if any); returns its right edge."""
        for ch in text:
            latin = ch.isascii() and not ch.isspace()
            f = self.font(size, latin)
            dy = size * 0.12 if latin and self.latin else 0
            self.draw.text((x, y + dy), ch, font=f, fill=fill)
            x += f.getlength(ch) + (size * 0.05 if not latin else 0)
        return x

    def para(self, x: float, y: float, width: float, text: str, size: int, leading: float = 1.7) -> float:
        line, cx = "", x
        for ch in text:
            w = self.font(size, ch.isascii()).getlength(ch) + size * 0.05
            if cx + w > x + width:
                self.text(x, y, line, size)
                y += size * leading
                line, cx = "", x
            line += ch
            cx += w
        if line:
            self.text(x, y, line, size)
            y += size * leading
        return y

    def seal(self, cx: float, cy: float, r: float) -> None:
        red = (215, 40, 40)
        self.draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(3, int(r / 14)))
        star = [(cx + r * 0.3 * __import__("math").cos(a * 0.8 * 3.14159 - 1.5708),
                 cy + r * 0.3 * __import__("math").sin(a * 0.8 * 3.14159 - 1.5708)) for a in range(5)]
        self.draw.polygon(star, fill=red)
        f = self.font(int(r / 4))
        self.draw.text((cx - r * 0.55, cy + r * 0.4), "专用章", font=f, fill=red)


# --- the kinds, two layouts each ------------------------------------------------------------------

def diploma(h: Holder, layout: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    number = f"{rng.randint(10000, 14999)}{rng.randint(1, 9)}{h.graduated.year}{h.level}{rng.randint(0, 999999):06d}"
    if layout == "A":
        p = Page(1240, 1700, rng)
        p.text(420, 150, "毕 业 证 书", 80)
        p.text(640, 300, f"证书编号：{number}", 30)
        y = 480
        for label, value in (("姓　　名", h.name), ("性　　别", h.gender),
                             ("出生日期", f"{h.birth.year}年{h.birth.month:02d}月{h.birth.day:02d}日"),
                             ("学习专业", h.major), ("学　　历", LEVELS[h.level]),
                             ("毕业时间", f"{h.graduated.year}年{h.graduated.month:02d}月{h.graduated.day:02d}日"),
                             ("毕业学校", h.school)):
            p.text(200, y, f"{label}：{value}", 44)
            y += 110
        p.seal(900, 1400, 130)
    else:
        p = Page(1750, 1200, rng)
        p.text(640, 110, "毕 业 证 书", 88)
        p.text(1240, 250, f"No. {number}", 30)
        body = (f"学生{h.name}，{h.gender}，{h.birth.year}年{h.birth.month}月{h.birth.day}日生，"
                f"在本校{h.major}专业学习，修业期满，成绩合格，准予毕业。")
        p.para(260, 380, 1250, body, 46, 1.8)
        p.text(260, 880, f"校长：{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}", 40)
        p.seal(360, 950, 120)
        p.text(200, 1040, cn_date(h.graduated), 42)
        p.text(1100, 880, h.school, 46)
    return p.img, {"number": number, "dates": {"graduation": h.graduated.isoformat(), "birth": h.birth.isoformat()},
                   "precision": {"graduation": "day"}, "id": None}


def degree(h: Holder, layout: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    grade = {"01": "3", "02": "3", "05": "4", "06": "4"}[h.level]
    number = f"{rng.randint(10000, 14999)}{grade}{h.graduated.year}{rng.randint(0, 999999):06d}"
    deg = "硕士" if grade == "3" else "学士"
    if layout == "A":
        p = Page(1750, 1200, rng)
        p.text(560, 110, f"{deg}学位证书", 84)
        body = (f"{h.name}，{h.gender}，{cn_date(h.birth)}生。在{h.school}{h.major}专业完成了学业，"
                f"成绩合格，依照《中华人民共和国学位条例》的规定，授予{deg}学位。")
        p.para(250, 330, 1250, body, 46, 1.8)
        p.text(250, 900, f"证书编号：{number}", 32)
        p.text(1050, 950, cn_date(h.graduated), 44)
        p.seal(1250, 900, 125)
    else:
        p = Page(1240, 1700, rng)
        p.text(330, 160, f"{deg}学位证书", 80)
        y = 420
        for label, value in (("姓名", h.name), ("性别", h.gender), ("出生日期", h.birth.isoformat()),
                             ("学位", f"{deg}"), ("学位授予单位", h.school),
                             ("学位授予日期", h.graduated.isoformat()), ("证书编号", number)):
            p.text(180, y, f"{label}  {value}", 44)
            y += 115
        p.seal(300, 1400, 120)
    return p.img, {"number": number, "dates": {"degree_award": h.graduated.isoformat(), "birth": h.birth.isoformat()},
                   "precision": {"degree_award": "day"}, "id": None}


def title(h: Holder, layout: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    kind = rng.randrange(3)
    number = (f"湘职改办字〔{h.title_date.year}〕{rng.randint(1, 999)}号" if kind == 0
              else f"HNZC{h.title_date.year}{rng.randint(0, 9999):04d}" if kind == 1
              else f"GC{h.title_date.year}-{rng.randint(0, 9999):04d}")
    rank = rng.choice(("工程师", "高级工程师", "主管护师", "会计师", "经济师"))
    if layout == "A":
        p = Page(1750, 1240, rng)
        p.text(520, 90, "专业技术职务任职资格证书", 64)
        rows = (("姓名", h.name), ("性别", h.gender), ("身份证号", h.id_number), ("资格名称", rank),
                ("评审通过时间", f"{h.title_date.year}.{h.title_date.month}.{h.title_date.day}"),
                ("证书编号", number))
        y = 300
        for label, value in rows:
            p.draw.rectangle([220, y, 640, y + 110], outline=(60, 60, 60), width=3)
            p.draw.rectangle([640, y, 1500, y + 110], outline=(60, 60, 60), width=3)
            p.text(250, y + 30, label, 44)
            p.text(670, y + 30, value, 44)
            y += 110
        p.seal(1400, 1050, 120)
        dates = {"title_approval": h.title_date.isoformat()}
    else:
        p = Page(1240, 1750, rng)
        p.text(240, 170, "专业技术资格证书", 78)
        y = 430
        for label, value in (("持证人", h.name), ("公民身份号码", h.id_number), ("专业技术资格", rank),
                             ("取得资格时间", cn_date(h.title_date)), ("管理号", number)):
            p.text(170, y, f"{label}：", 42)
            p.text(170, y + 62, value, 44)
            y += 170
        p.seal(880, 1450, 130)
        p.text(640, 1560, "湖南省人力资源和社会保障厅", 36)
        dates = {"title_approval": h.title_date.isoformat()}
    return p.img, {"number": number, "dates": dates, "precision": {"title_approval": "day"}, "id": h.id_number}


def ce_record(h: Holder, layout: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    credited = h.year - 1
    total = h.public + h.professional
    number = f"XJ{credited}-{rng.randint(0, 99999):05d}"
    p = Page(1240, 1750, rng)
    p.text(150, 150, "专业技术人员继续教育学时认定单", 60)
    if layout == "A":
        y = 380
        for line in (f"姓名：{h.name}", f"身份证号：{h.id_number}", f"认定年度：{credited}",
                     f"公需科目学时：{h.public}", f"专业科目学时：{h.professional}",
                     f"合计学时：{total}", f"编号：{number}"):
            p.text(170, y, line, 46)
            y += 120
        p.seal(900, 1350, 130)
    else:
        p.text(170, 330, f"姓名 {h.name}    身份证号 {h.id_number}", 38)
        p.text(170, 420, f"{cn_date(date(credited, 1, 1), day=False)[:5]}度继续教育学时认定", 40)
        xs = (170, 470, 770, 1070)
        for i, head in enumerate(("公需科目", "专业科目", "合计")):
            p.draw.rectangle([xs[i], 540, xs[i + 1], 650], outline=(50, 50, 50), width=3)
            p.draw.rectangle([xs[i], 650, xs[i + 1], 760], outline=(50, 50, 50), width=3)
            p.text(xs[i] + 40, 570, head, 44)
            p.text(xs[i] + 60, 680, f"{(h.public, h.professional, total)[i]}学时", 44)
        p.text(170, 900, f"认定单编号：{number}", 38)
        p.seal(300, 1250, 120)
        p.text(700, 1450, cn_date(date(h.year, 1, rng.randint(5, 25))), 40)
    return p.img, {"number": number, "dates": {}, "precision": {}, "id": h.id_number,
                   "hours": {"year": credited, "public": h.public, "professional": h.professional, "total": total}}


RENDER = {"学历证书": diploma, "学位证书": degree, "现职称证书": title, "继续教育学时认定单": ce_record}


# --- conditions ---------------------------------------------------------------------------------

def _noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    import numpy as np

    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(img, dtype=np.int16)
    arr = arr + gen.normal(0.0, sigma, size=arr.shape[:2]).astype(np.int16)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def condition(img: Image.Image, name: str, rng: random.Random) -> tuple[bytes, str]:
    if name == "clean":
        buf = io.BytesIO()
        img.save(buf, "PNG")
        return buf.getvalue(), "png"
    if name == "scan":
        img = img.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BICUBIC, fillcolor=(245, 245, 245))
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
        return _jpeg(_noise(img, rng, rng.uniform(3, 6)), 80), "jpg"
    # a photo at an angle: perspective, rotation, a shadow band, blur, fewer pixels
    import numpy as np

    desk = (rng.randint(60, 140), rng.randint(60, 120), rng.randint(50, 100))
    mx, my = int(img.width * 0.1), int(img.height * 0.1)
    canvas = Image.new("RGB", (img.width + 2 * mx, img.height + 2 * my), desk)
    canvas.paste(img, (mx, my))
    w, h = canvas.size
    j = 0.08
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + rng.uniform(-j, j) * w, y + rng.uniform(-j / 2, j / 2) * h) for x, y in src]
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = list(np.linalg.solve(np.array(rows, float), np.array([c for pt in src for c in pt], float)))
    canvas = canvas.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=desk)
    canvas = canvas.rotate(rng.uniform(2, 6) * rng.choice((-1, 1)), resample=Image.Resampling.BICUBIC, fillcolor=desk)
    shade = Image.new("L", canvas.size, 255)
    band = rng.randint(0, w)
    ImageDraw.Draw(shade).polygon([(band, 0), (band + w // 3, 0), (band + w // 5, h), (band - w // 6, h)], fill=175)
    shade = shade.filter(ImageFilter.GaussianBlur(60))
    canvas = ImageChops.multiply(canvas, Image.merge("RGB", [shade, shade, shade]))
    scale = rng.uniform(0.7, 0.85)
    canvas = canvas.resize((round(w * scale), round(h * scale)), Image.Resampling.BILINEAR)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.9)))
    return _jpeg(_noise(canvas, rng, rng.uniform(4, 8)), 72), "jpg"


def build(out: Path, seed: int = 9, year: int = 2026) -> list[Truth]:
    """Write the set into `out` (replacing an earlier one) and return its truth."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.suffix in (".png", ".jpg") or old.name == "truth.json":
            old.unlink()
    items: list[Truth] = []
    n = 0
    for kind in KINDS:
        for layout in "AB":
            for cond in CONDITIONS:
                rng = random.Random(f"{seed}:independent:{n}")
                h = make_holder(rng, year)
                img, shown = RENDER[kind](h, layout, rng)
                data, ext = condition(img, cond, rng)
                name = f"{n:03d}-{cond}-{kind}-{layout}.{ext}"
                (out / name).write_bytes(data)
                declared = {"name": h.name, "id_number": h.id_number, "level": "副高级",
                            "education": LEVELS[h.level], "degree": None,
                            "graduation_date": h.graduated.isoformat(), "year": year,
                            "current_title_date": h.title_date.isoformat(),
                            "ce_hours": h.public + h.professional, "ce_public_hours": h.public,
                            "ce_professional_hours": h.professional}
                items.append(Truth(name, kind, cond, layout, h.name, shown["id"], shown["number"],
                                   shown["dates"], shown["precision"], shown.get("hours"), declared))
                n += 1
    (out / "truth.json").write_text(json.dumps([asdict(i) for i in items], ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return items


def load(folder: Path) -> list[Truth]:
    """The items of a set written by `build`."""
    return [Truth(**d) for d in json.loads((folder / "truth.json").read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args(argv)
    items = build(args.out, args.seed)
    print(f"wrote {len(items)} images and truth.json to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
