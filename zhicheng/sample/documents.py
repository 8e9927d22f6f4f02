"""The documents of one applicant: the PDFs 专业技术职称评审表, 业绩材料 and 述职报告, and the Word
file a unit sends when it forgets to export."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date

from .chinese_text import cn_number, date_text, ym
from .pdf import PdfDocument
from .people import Person, SampleApplicant, pick_name
from .phrase_bank import COOPERATION, POLITICS, PROJECT_NOTES, WORK
from .projects import fill_in, invent_papers, invent_projects


def application_form_pdf(p: Person, light: bool, rng: random.Random) -> bytes:
    """The 专业技术职称评审表: basic facts, career, achievements, papers, the pledge."""
    a = p.applicant
    doc = PdfDocument("专业技术职称评审表", a.name, light)
    doc.title("专业技术职称评审表", 20)
    doc.line(f"申报系列：{a.series}　　申报专业：{a.specialty}　　申报级别：{a.level}　　"
             f"申报资格：{a.title_name}", 10)
    doc.line(f"申报年度：{a.year}　　申报途径：{a.path}", 10)
    basics = [
        [("姓名", 1), (a.name, 1), ("性别", 1), (a.gender, 1), ("出生年月", 1), (ym(p.birth), 1)],
        [("身份证号", 1), (a.id_number, 3), ("手机号码", 1), (a.phone, 1)],
        [("工作单位", 1), (a.unit_name, 5)],
        [("单位统一社会信用代码", 2), (a.unit_code, 4)],
        [("现职称", 1), (a.current_title or "无", 2), ("取得时间", 1), (date_text(a.current_title_date) or "—", 2)],
        [("最高学历", 1), (a.education, 1), ("最高学位", 1), (a.degree, 1), ("毕业时间", 1), (ym(a.graduation_date), 1)],
        [("毕业院校", 1), (a.school, 2), ("所学专业", 1), (a.major, 2)],
        [("参加工作时间", 2), (date_text(a.work_start_date), 4)],
        [("继续教育学时", 2), (f"合计{a.ce_hours}学时（公需科目{a.ce_public_hours}学时，专业科目{a.ce_professional_hours}学时）", 4)],
    ]
    doc.table(basics, 6, size=9 if light else 10.5, row_h=20 if light else 26)
    if not light:
        doc.heading("主要工作经历")
        rows = [[("起止时间", 2), ("工作单位", 3), ("职务/岗位", 1)]]
        start = a.work_start_date
        if p.previous_employer:
            switch = date(start.year + rng.randint(3, 6), 3, 1)
            rows.append([(f"{ym(start)}—{ym(switch)}", 2), (p.previous_employer, 3), ("技术员", 1)])
            start = switch
        rows.append([(f"{ym(start)}—至今", 2), (a.unit_name, 3), (_post(a), 1)])
        doc.table(rows, 6)
        doc.heading("主要专业技术工作业绩")
        for k, project in enumerate(invent_projects(rng, a, 3), 1):
            doc.para(f"{k}. {project['name']}（{project['years']}，{project['role']}）：{project['task']}。"
                     f"{project['result']}", 10.5)
        doc.heading("论文、著作及获奖情况")
        for k, paper in enumerate(invent_papers(rng, a, 3), 1):
            doc.para(f"{k}. {paper}", 10.5, indent=False)
        doc.new_page()
    doc.heading("个人承诺", 12 if light else 13)
    doc.para("本人承诺：所填写的个人信息和提交的申报材料真实、准确、完整，学历、资历、业绩等均无弄虚作假；"
             "如有不实，本人愿意承担取消申报资格、撤销已取得职称等一切后果及相应法律责任。",
             10 if light else 11)
    doc.line(f"承诺人（签名）：{a.name}　　　　{date_text(p.sign_date)}", 11 if light else 12,
             x=doc.W / 2 - 40)
    if light:
        doc.box("所在单位意见", "", 60, 10)
    else:
        doc.box("所在单位意见（初审、公示情况）", "", 150)
        doc.box("主管部门意见", "", 120)
        doc.box("评审委员会意见", "", 120)
    return doc.finish()


def _post(a: SampleApplicant) -> str:
    return {"工程": "设计室主任工程师" if a.level in ("副高级", "正高级") else "技术骨干",
            "卫生": "主治医师" if a.level in ("副高级", "正高级") else "住院医师",
            "经济": "部门主管", "会计": "财务主管"}[a.series]


def _report_text(p: Person, rng: random.Random, target: int) -> list[tuple[str, str]]:
    """The 述职报告 as (kind, text) blocks with about `target` non-space characters."""
    a = p.applicant
    blocks: list[tuple[str, str]] = []
    size = 0

    def add(kind: str, text: str) -> None:
        nonlocal size
        blocks.append((kind, text))
        size += len(text)

    title = a.current_title or "初级专业技术"
    add("p", f"本人{a.name}，{p.true_gender}，{ym(p.birth)}出生，{a.education}学历"
             f"{'' if a.degree == '无' else '，' + a.degree + '学位'}，{a.graduation_date.year}年毕业于{a.school}"
             f"{a.major}专业，{a.work_start_date.year}年参加工作，现在{a.unit_name}从事{a.specialty}专业技术工作"
             + (f"，{a.current_title_date.year}年取得{title}资格" if a.current_title_date else "")
             + f"。根据{a.year}年度全省职称评审工作的有关要求，现将任现职以来的思想政治表现、专业技术工作、"
             "业绩成果及继续教育等情况述职如下，请各位领导和评委审议。")
    if target < 2000:  # deliberately short (flaw report.too_short)
        add("h", "一、主要工作情况")
        for s in rng.sample(WORK[a.series], 4):
            add("p", fill_in(s, rng, a))
        add("p", "以上述职，请予审议。")
        return blocks
    add("h", "一、思想政治表现和职业道德")
    add("p", "".join(rng.sample(POLITICS, 4)) + f"历年年度考核均为合格以上等次，其中{rng.randint(1, 4)}次被评为优秀。")
    add("h", "二、专业技术工作情况")
    work = rng.sample(WORK[a.series], len(WORK[a.series]))
    for i in range(0, 8, 3):
        add("p", "".join(fill_in(s, rng, a) for s in work[i:i + 3]))
    add("h", "三、主要业绩成果")
    projects = invent_projects(rng, a, 3)
    for k, pr in enumerate(projects, 1):
        add("p", f"（{cn_number(k)}）{pr['name']}。{pr['years']}，本人作为{pr['role']}，{pr['task']}。"
                 f"工作中坚持问题导向，{COOPERATION[a.series]}，按期保质完成了各项工作任务。"
                 f"{pr['result']}")
    add("h", "四、学术研究与技术创新")
    papers = invent_papers(rng, a, 2)
    add("p", "任现职以来，本人注重将实践经验上升为理论成果，结合工作实际开展研究，先后发表专业论文"
             f"{len(papers)}篇：" + "；".join(papers) + "。同时积极参与单位课题研究和技术攻关，"
             "参与的多项成果在实际工作中得到应用，取得了较好的经济效益和社会效益。")
    add("h", "五、继续教育与培养人才")
    add("p", f"本人坚持终身学习理念，按规定参加专业技术人员继续教育，{a.year - 1}年度累计完成继续教育"
             f"{a.ce_hours}学时，其中公需科目{a.ce_public_hours}学时，专业科目{a.ce_professional_hours}学时，"
             "学时认定手续齐全。积极参加行业组织的专业培训和学术交流活动，及时掌握本专业的新理论、新技术和新方法。"
             f"在做好本职工作的同时，注重传帮带，先后指导青年技术人员{rng.randint(3, 9)}名，"
             "帮助他们尽快熟悉业务、提升能力，其中多人已成长为单位的业务骨干。")
    add("h", "六、存在的不足和今后努力方向")
    add("p", "回顾任现职以来的工作，虽然取得了一定成绩，但也存在一些不足：一是理论研究的深度还不够，"
             "将实践经验系统总结提炼为高水平成果的能力有待提高；二是对新技术、新标准的学习还需进一步加强；"
             "三是在团队管理和统筹协调方面还有提升空间。今后，本人将进一步加强政治理论和专业知识学习，"
             f"不断提高{a.specialty}专业技术水平和解决复杂问题的能力，以更加饱满的热情和更加务实的作风，"
             "为单位和行业的高质量发展作出新的更大贡献。")
    extra = rng.sample(PROJECT_NOTES, len(PROJECT_NOTES))
    k = len(projects)
    while size < target:  # more projects until long enough
        k += 1
        pr = invent_projects(rng, a, 1)[0]
        blocks.insert(-6, ("p", f"（{cn_number(k)}）{pr['name']}。{pr['years']}，本人作为{pr['role']}，"
                                f"{pr['task']}。{pr['result']}"
                                + (extra.pop() if extra else "")))
        size += len(blocks[-7][1])
    add("p", "以上述职，请各位领导和评委审议。")
    add("r", f"述职人：{a.name}　　{date_text(p.sign_date)}")
    return blocks


def report_pdf(p: Person, light: bool, rng: random.Random, short: bool = False) -> bytes:
    """The 述职报告: over 3,300 characters, or 900 to 1,300 when `short` (flaw report.too_short)."""
    a = p.applicant
    if short:
        target = rng.randint(900, 1300)
    else:
        target = rng.randint(3300, 3600) if light else rng.randint(3400, 4300)
    doc = PdfDocument("述职报告", a.name, light)
    size = 6.5 if light else 12
    doc.title("专业技术工作述职报告", 14 if light else 18)
    doc.line(f"姓名：{a.name}　　单位：{a.unit_name}　　申报资格：{a.title_name}", 8 if light else 11,
             x=doc.m)
    for kind, text in _report_text(p, rng, target):
        if kind == "h":
            doc.heading(text, size + 1)
        elif kind == "r":
            doc.line(text, size, x=doc.W - doc.m - size * 16)
        else:
            doc.para(text, size, leading=1.35 if light else 1.7)
    return doc.finish()


def achievements_pdf(p: Person, light: bool, rng: random.Random, part: int) -> bytes:
    """The 业绩材料: part 1 the projects with their proof, part 2 the papers and awards."""
    a = p.applicant
    doc = PdfDocument("业绩材料", a.name, light)
    if part == 1:
        doc.title("专业技术工作业绩材料", 16 if light else 18)
        doc.line(f"姓名：{a.name}　　单位：{a.unit_name}　　申报资格：{a.title_name}", 9 if light else 11)
        for k, pr in enumerate(invent_projects(rng, a, 2 if light else 4), 1):
            if k > 1 and not light:
                doc.new_page()
            doc.heading(f"业绩{cn_number(k)}：{pr['name']}", 11 if light else 13)
            doc.table([[("项目名称", 1), (pr["name"], 3)],
                       [("起止时间", 1), (pr["years"], 1), ("本人角色", 1), (pr["role"], 1)]], 4,
                      size=9 if light else 10.5, row_h=18 if light else 24)
            doc.para(f"主要工作内容：{pr['task']}。" + "".join(
                fill_in(s, rng, a) for s in rng.sample(WORK[a.series], 1 if light else 3)), 9 if light else 11)
            doc.para(f"取得成效：{pr['result']}", 9 if light else 11)
            if not light:
                doc.line(f"证明人：{pick_name(rng, rng.choice('男女'))}（{a.unit_name}）", 10.5, x=doc.W / 2)
    else:
        doc.title("论文及获奖情况", 16 if light else 18)
        doc.line(f"姓名：{a.name}　　单位：{a.unit_name}", 9 if light else 11)
        doc.heading("一、发表论文", 11 if light else 13)
        for k, paper in enumerate(invent_papers(rng, a, 2 if light else 5), 1):
            doc.para(f"{k}. {paper}", 9 if light else 11, indent=False)
        doc.heading("二、获奖情况", 11 if light else 13)
        for k, pr in enumerate(invent_projects(rng, a, 2 if light else 4), 1):
            doc.para(f"{k}. {pr['name']}：{pr['result']}", 9 if light else 11, indent=False)
    return doc.finish()


def word_document_bytes(p: Person) -> bytes:
    """A Word document (zip with word/document.xml): what a unit sends when it forgets to export."""
    a = p.applicant
    paragraphs = ["专业技术工作业绩材料", f"姓名：{a.name}", f"单位：{a.unit_name}",
                  "（此处为Word文档，未转换为PDF）"]
    body = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>" for t in paragraphs)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, (a.year, 3, 1, 9, 0, 0)), text.encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
