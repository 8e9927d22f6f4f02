"""The images of one applicant: diploma, degree and title certificates, the continuing-education
form, and the honour certificate and photographed page that some flaws put in the folder."""

from __future__ import annotations

import random
from datetime import date, timedelta

from PIL import Image

from .chinese_text import cn_date, cn_number, ym, ymd
from .drawing import Sheet, photo_box
from .fonts import text_width
from .people import Person, SampleApplicant
from .people_data import DISCIPLINE, ECONOMICS_MAJORS, LEVELS
from .projects import invent_projects


def _landscape(light: bool) -> tuple[int, int]:
    return (600, 420) if light else (1600, 1130)


def diploma_image(p: Person, light: bool) -> Image.Image:
    """The 毕业证书 (本科, 专科 or 研究生), printing the true gender and birth date."""
    a = p.applicant
    w, h = _landscape(light)
    s = Sheet("diploma", w, h, light)
    postgrad = a.education in ("硕士研究生", "博士研究生")
    s.center(22 if light else 105, "研究生毕业证书" if postgrad else "毕业证书", 30 if light else 92,
             spacing=0.15 if postgrad else 0.6)
    finish = a.graduation_date
    if postgrad:
        plan = "硕士研究生" if a.education == "硕士研究生" else "博士研究生"
        body = (f"研究生 {a.name}，性别 {p.true_gender}，{ymd(p.birth)}生，于{ym(p.study_start)}至"
                f"{ym(finish)}在本校 {a.major} 专业学习，学制{cn_number(finish.year - p.study_start.year)}年，"
                f"修完{plan}培养计划规定的全部课程，成绩合格，毕业论文答辩通过，准予毕业。")
    else:
        years = cn_number(finish.year - p.study_start.year)
        kind = "专科" if a.education == "大学专科" else "本科"
        body = (f"学生 {a.name}，性别 {p.true_gender}，{ymd(p.birth)}生，于{ym(p.study_start)}至"
                f"{ym(finish)}在本校 {a.major} 专业{years}年制{kind}学习，修完教学计划规定的全部课程，"
                f"成绩合格，准予毕业。")
    if light:
        s.para(30, 72, w - 60, body, 19, 1.6)
        s.text(30, h - 52, f"证书编号：{p.diploma_no}", 14, "sans")
        s.text(330, h - 138, f"校　名：{a.school}", 19)
        s.text(330, h - 108, f"校　长：{p.school_head}", 19)
        s.text(330, h - 78, cn_date(finish), 19)
        s.seal(500, h - 118, 50, a.school, "")
    else:
        x0 = photo_box(w, h)[2] + 70
        s.para(x0, 300, w - x0 - 150, body, 42, 1.75)
        s.text(150, h - 300, "证书编号：", 30, "sans")
        s.text(150, h - 255, p.diploma_no, 30, "sans")
        s.text(860, h - 330, f"校　　名：{a.school}", 42)
        s.text(860, h - 260, f"校（院）长：{p.school_head}", 42)
        s.text(860, h - 190, cn_date(finish), 42)
        s.seal(1150, h - 290, 135, a.school, "")
    return s.img


def degree_image(p: Person, light: bool) -> Image.Image:
    """The 学位证书 (学士, 硕士 or 博士), citing the degree law in force at graduation."""
    a = p.applicant
    w, h = _landscape(light)
    s = Sheet("degree", w, h, light)
    s.center(22 if light else 105, f"{a.degree}学位证书", 30 if light else 92, spacing=0.3)
    major = a.major
    discipline = ("经济学" if major in ECONOMICS_MAJORS else "管理学") if a.series == "经济" \
        else DISCIPLINE[a.series]
    law = "《中华人民共和国学位法》" if a.graduation_date.year >= 2025 else "《中华人民共和国学位条例》"
    if a.degree == "学士":
        body = (f"{a.name}，{p.true_gender}，{ymd(p.birth)}生。在{a.school}{major}专业完成了本科学业，"
                f"成绩合格。根据{law}的规定，授予{discipline}学士学位。")
    else:
        body = (f"{a.name}，{p.true_gender}，{ymd(p.birth)}生。在{a.school}{major}学科（专业）完成了"
                f"{a.degree}学位的课程学习和论文答辩，成绩合格。根据{law}的规定，授予{discipline}"
                f"{a.degree}学位。")
    if light:
        s.para(30, 72, w - 60, body, 19, 1.6)
        s.text(30, h - 52, f"证书编号：{p.degree_no}", 14, "sans")
        s.text(300, h - 138, f"{a.school}", 19)
        s.text(300, h - 108, f"校长　学位评定委员会主席　{p.school_head}", 16)
        s.text(300, h - 78, cn_date(a.graduation_date), 19)
        s.seal(500, h - 118, 50, a.school, "")
    else:
        x0 = photo_box(w, h)[2] + 70
        s.para(x0, 300, w - x0 - 150, body, 42, 1.75)
        s.text(150, h - 300, "证书编号：", 30, "sans")
        s.text(150, h - 255, p.degree_no, 30, "sans")
        s.text(760, h - 330, a.school, 42)
        s.text(760, h - 260, f"校长　学位评定委员会主席　{p.school_head}", 36)
        s.text(760, h - 190, cn_date(a.graduation_date), 42)
        s.seal(1120, h - 300, 135, a.school, "")
    return s.img


def title_certificate_image(p: Person, light: bool, shown_id: str) -> Image.Image:
    """The current title's 专业技术资格证书, printing `shown_id` as the ID number."""
    a = p.applicant
    w, h = _landscape(light)
    s = Sheet("title", w, h, light)
    d = a.current_title_date or date(a.year - 6, 12, 28)
    level = LEVELS[LEVELS.index(a.level) - 1]
    board = f"湖南省{a.series}系列{level}职称评审委员会"
    fields = [
        ("姓　　名", a.name), ("性　　别", p.true_gender), ("身份证号", shown_id),
        ("资格名称", a.current_title), ("专　　业", a.specialty), ("评审机构", board),
        ("批准时间", ymd(d)), ("证书编号", p.title_cert_no),
    ]
    s.center(20 if light else 100, "专业技术资格证书", 28 if light else 84, spacing=0.25)
    if light:
        y = 66
        for label, value in fields:
            s.fit(40, y, w - 80, f"{label}：{value}", 18)
            y += 30
        s.text(300, h - 64, "发证机关：湖南省人力资源和社会保障厅", 14, "sans")
        s.seal(480, h - 100, 52, "湖南省人力资源和社会保障厅", "")
    else:
        x0 = photo_box(w, h)[2] + 80
        y = 290
        for label, value in fields:
            s.fit(x0, y, w - x0 - 140, f"{label}：{value}", 40)
            y += 70
        s.text(150, h - 115, "本证书是持证人具备相应专业技术资格的证明，经审核有效。", 28, "sans")
        s.text(900, h - 230, "发证机关：湖南省人力资源和社会保障厅", 32, "sans")
        s.text(900, h - 180, cn_date(d + timedelta(days=20)), 32, "sans")
        s.seal(1200, h - 250, 140, "湖南省人力资源和社会保障厅", "")
    return s.img


def ce_form_image(p: Person, light: bool, rng: random.Random, shown_name: str, shown_id: str) -> Image.Image:
    """Last year's 继续教育学时认定单, printing `shown_name` and `shown_id` (which OCR flaws change)."""
    a = p.applicant
    w, h = (420, 600) if light else (1130, 1600)
    s = Sheet("ce", w, h, light)
    d = s.draw
    m = 20 if light else 80
    fs = 15 if light else 34
    row = 34 if light else 84
    s.center(m, "湖南省专业技术人员继续教育学时认定单", 19 if light else 48)
    y: float = m + (48 if light else 130)
    credited = a.year - 1
    x = (m, m + (w - 2 * m) * 0.22, m + (w - 2 * m) * 0.5, m + (w - 2 * m) * 0.72, w - m)
    table = [
        (("姓名", 1), (shown_name, 1), ("性别", 1), (p.true_gender, 1)),
        (("身份证号", 1), (shown_id, 3)),
        (("工作单位", 1), (a.unit_name, 3)),
        (("认定年度", 1), (f"{credited}年度", 3)),
        (("公需科目", 1), (f"{a.ce_public_hours}学时", 1), ("专业科目", 1), (f"{a.ce_professional_hours}学时", 1)),
        (("合计", 1), (f"{a.ce_hours}学时", 3)),
    ]
    line = (60, 60, 60)
    for cells in table:
        col = 0
        for text, span in cells:
            x0, x1 = x[col], x[col + span]
            d.rectangle([x0, y, x1, y + row], outline=line, width=1 if light else 2)
            s.fit(x0 + (6 if light else 16), y + (row - fs) / 2 - (2 if light else 4), x1 - x0 - 12, text, fs)
            col += span
        y += row
    if not light:  # the courses behind the totals
        y += 50
        s.text(m, y, "学时明细", 34, "serif-bold")
        y += 60
        courses = _ce_courses(rng, a)
        cx = (m, m + 90, m + 640, m + 800, w - m)
        for course in [("序号", "课程名称", "类别", "学时")] + courses:
            for i, text in enumerate(course):
                d.rectangle([cx[i], y, cx[i + 1], y + 62], outline=line, width=2)
                s.fit(cx[i] + 12, y + 12, cx[i + 1] - cx[i] - 20, text, 30)
            y += 62
    y += row * 0.7
    s.para(m, y, w - 2 * m, f"经审核，该同志{credited}年度继续教育学时真实有效，予以认定。", fs, 1.6)
    issuer = "湖南省专业技术人员继续教育管理服务中心"
    small = 12 if light else 32
    lines = ["认定机构（盖章）：", issuer, ymd(date(a.year, 1, 10) + timedelta(days=p.index % 40))]
    yy: float = h - (90 if light else 240)
    for text in lines:
        width = text_width("sans", small, text)
        s.text(w - m - width - (4 if light else 20), yy, text, small, "sans")
        yy += small * 1.6
    s.seal(w - m - (70 if light else 200), h - (64 if light else 165), 44 if light else 125,
           issuer[:12], "学时认定专用章")
    return s.img


def _ce_courses(rng: random.Random, a: SampleApplicant) -> list[tuple[str, str, str, str]]:
    public = ["习近平新时代中国特色社会主义思想专题", "数字经济与创新驱动发展", "专业技术人员职业道德与诚信建设",
              "新质生产力与高质量发展", "人工智能赋能专业技术工作"]
    professional = {
        "工程": ["公路工程技术标准新变化解读", "桥梁结构健康监测技术", "BIM技术在工程设计中的应用",
                 "工程项目全过程质量管理", "绿色低碳交通基础设施建设"],
        "卫生": ["常见慢性病规范化诊疗进展", "急危重症早期识别与处置", "临床合理用药与安全",
                 "医疗质量与患者安全管理", "循证医学方法与实践"],
        "经济": ["企业数字化转型与管理创新", "宏观经济形势与政策解读", "人力资源管理实务前沿",
                 "金融风险防控实务"],
        "会计": ["企业会计准则最新修订解读", "管理会计工具与应用", "内部控制与风险管理",
                 "税收政策更新与纳税筹划"],
    }[a.series]
    rows: list[tuple[str, str, str, str]] = []

    def split(total: int, names: list[str], kind: str) -> None:
        k = 2 if total < 45 else 3
        names = rng.sample(names, min(k, len(names)))
        parts = [total // len(names)] * len(names)
        parts[0] += total - sum(parts)
        for n, hours in zip(names, parts):
            rows.append((str(len(rows) + 1), n, kind, str(hours)))

    split(a.ce_public_hours, public, "公需科目")
    split(a.ce_professional_hours, professional, "专业科目")
    return rows


def honor_image(p: Person, light: bool) -> Image.Image:
    """A 荣誉证书: a material of no known kind (flaw material.unknown_name)."""
    a = p.applicant
    w, h = _landscape(light)
    s = Sheet("honor", w, h, light)
    s.center(30 if light else 140, "荣誉证书", 34 if light else 100, fill=(170, 30, 30), spacing=0.6)
    body = (f"{a.name}同志：在{a.year - 2}年度工作中表现突出，成绩显著，被评为先进工作者。"
            "特发此证，以资鼓励。")
    if light:
        s.para(40, 110, w - 80, body, 20, 1.7)
        s.text(330, h - 100, a.unit_name[:14], 16)
        s.text(360, h - 72, cn_date(date(a.year - 1, 1, 20)), 16)
        s.seal(450, h - 90, 50, a.unit_name, "")
    else:
        s.para(200, 420, w - 400, body, 48, 1.8)
        s.text(900, h - 300, a.unit_name, 40)
        s.text(980, h - 230, cn_date(date(a.year - 1, 1, 20)), 40)
        s.seal(1150, h - 280, 140, a.unit_name, "")
    return s.img


def scanned_page_image(p: Person, light: bool, rng: random.Random) -> Image.Image:
    """A page of 业绩材料 photographed instead of printed to PDF (flaw material.wrong_form)."""
    a = p.applicant
    w, h = (420, 600) if light else (1130, 1600)
    s = Sheet("page", w, h, light)
    s.center(24 if light else 110, "项目完成情况证明", 22 if light else 56)
    project = invent_projects(rng, a, 1)[0]
    s.para(24 if light else 110, 80 if light else 250, w - (48 if light else 220),
           f"兹证明{a.name}同志（身份证号：{a.id_number}）作为{project['role']}参与了{project['name']}，"
           f"{project['task']}。{project['result']}", 16 if light else 38, 1.7)
    s.text(w * 0.45, h - (90 if light else 300), f"证明单位：{a.unit_name[:12]}", 13 if light else 32, "sans")
    s.seal(w * 0.7, h - (100 if light else 330), 48 if light else 130, a.unit_name, "")
    return s.img
