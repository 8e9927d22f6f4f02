"""An applicant's made-up projects and papers, filled in from the phrase bank."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .people import SampleApplicant
from .phrase_bank import (
    CITIES,
    ENGINEERING,
    JOURNALS,
    PROJECT_NAMES,
    RESULTS,
    RIVERS,
    ROLES,
    TASKS,
    TOPICS,
)


def fill_in(template: str, rng: random.Random, a: SampleApplicant) -> str:
    """`template` with its places ({spec}, {c}, {c2}, {r}, {k}, {g}, {n}, {m}) filled from `rng`."""
    c, c2 = rng.sample(CITIES, 2)
    return template.format(spec=a.specialty, c=c, c2=c2, r=rng.choice(RIVERS), k=rng.randint(2, 9),
                           g=rng.choice((106, 107, 207, 240, 319, 320, 536)), n=rng.randint(12, 60),
                           m=rng.randint(80, 900) * 10)


def _bank(a: SampleApplicant) -> tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]:
    """(project names, tasks, paper topics, journals) for the applicant's specialty."""
    if a.series == "工程" and a.specialty in ENGINEERING:
        return ENGINEERING[a.specialty]
    return PROJECT_NAMES[a.series], TASKS[a.series], TOPICS[a.series], JOURNALS[a.series]


def invent_projects(rng: random.Random, a: SampleApplicant, count: int) -> list[dict[str, str]]:
    """`count` projects of the applicant's series and specialty: name, years, role, task, result."""
    bank_names, tasks, _, _ = _bank(a)
    names = rng.sample(bank_names, min(count, len(bank_names)))
    while len(names) < count:
        names.append(rng.choice(bank_names))
    out = []
    for name in names:
        hi = a.year - 3
        lo = min(max(a.work_start_date.year + 1, a.year - 9), hi)
        start = rng.randint(lo, hi)
        out.append({
            "name": fill_in(name, rng, a),
            "years": f"{start}年—{start + rng.randint(1, 2)}年",
            "role": rng.choice(ROLES),
            "task": fill_in(rng.choice(tasks), rng, a),
            "result": fill_in(rng.choice(RESULTS[a.series]), rng, a),
        })
    return out


def invent_papers(rng: random.Random, a: SampleApplicant, count: int) -> list[str]:
    """`count` papers, each a line of a list: title, journal, year and issue, authorship."""
    _, _, topics, journals = _bank(a)
    out = []
    for _ in range(count):
        topic = rng.choice(topics)
        title = rng.choice((f"{topic}的应用研究", f"浅析{topic}的实践与思考", f"{topic}若干问题探讨",
                            f"{topic}在{rng.choice(CITIES)}地区的应用与效果分析"))
        year = rng.randint(min(max(a.work_start_date.year + 1, a.year - 8), a.year - 1), a.year - 1)
        out.append(f"《{title}》，{rng.choice(journals)}，{year}年第{rng.randint(1, 12)}期，"
                   f"{rng.choice(('独著', '第一作者', '第二作者'))}")
    return out
