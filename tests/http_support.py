"""A real uvicorn server on loopback for the HTTP tests, and small batches to send it."""

from __future__ import annotations

import csv
import io
import socket
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import uvicorn

from intake.api import Limits, create_app
from pipeline.domain.identity import make_id_number, make_uscc
from pipeline.services import tokens
from pipeline.services.unit_records import UnitData
from pipeline.services.units import import_units, register

MINISTRY = "1143000000618826XX"        # 交通运输厅: parent and supervisor of the two institutes
DESIGN = "91430000183765427C"          # 设计院, a subordinate of the ministry
RESEARCH = "91430000444881232P"        # 科研院, another subordinate of the ministry
TECH = "91430111MA4PQ7R264"            # 智诚科技: unrelated; supervises the clinic below
CLINIC = make_uscc("12430111MB2000001")  # supervised by TECH, its superior is the center

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def setup_units(ctx) -> None:
    """The sample registry plus one clinic supervised (not parented) by TECH."""
    from zhicheng.sample import sample_units

    units = sample_units()
    report = import_units(ctx, [(i + 2, asdict(u)) for i, u in enumerate(units)])
    assert not report.problems, report.problems
    register(ctx, UnitData(CLINIC, "雨花区社区诊所", "雨花区", "事业单位", "主管单位", TECH, None, "已审核"))


def issue_tokens(ctx) -> dict[str, str]:
    out = {code: tokens.issue(ctx, code)[1] for code in (MINISTRY, DESIGN, RESEARCH, TECH, CLINIC)}
    out["center"] = tokens.issue(ctx, None)[1]
    revoked_id, out["revoked"] = tokens.issue(ctx, DESIGN, "revoked")
    tokens.revoke(ctx, revoked_id)
    return out


def person(n: int, unit: str) -> dict[str, str]:
    """Roster fields of a plausible applicant number n of a unit."""
    return {
        "姓名": f"测试{n}", "身份证号": make_id_number(f"43010219850101{n:03d}"), "性别": "",
        "手机号码": f"138{n:08d}", "单位统一社会信用代码": unit, "申报年度": "2026",
        "申报系列": "工程", "申报专业": "计算机", "申报级别": "中级", "申报资格名称": "工程师",
        "现职称": "助理工程师", "现职称取得时间": "2018-07-01", "最高学历": "大学本科",
        "毕业时间": "2010-07-01", "参加工作时间": "2010-08-01", "继续教育学时": "96",
    }


def materials(n: int) -> dict[str, bytes]:
    return {"专业技术职称评审表.pdf": PDF + f"{n}-a".encode(), "学历证书.png": PNG,
            "业绩材料.pdf": PDF + f"{n}-b".encode()}


def batch_zip(people: list[dict[str, str]], target: Path | None = None) -> bytes:
    """A batch zip (docs/reference.md §1) with a CSV roster and one folder of files per person."""
    roster = io.StringIO()
    writer = csv.DictWriter(roster, fieldnames=list(people[0]))
    writer.writeheader()
    writer.writerows(people)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("roster.csv", (2026, 3, 1, 9, 0, 0)), roster.getvalue().encode("utf-8-sig"))
        for i, p in enumerate(people):
            folder = f"{p['身份证号']}_{p['姓名']}"
            for name, data in materials(i).items():
                zf.writestr(zipfile.ZipInfo(f"{folder}/{name}", (2026, 3, 1, 9, 0, 0)), data)
    data = buf.getvalue()
    if target is not None:
        target.write_bytes(data)
    return data


class LiveServer:
    """uvicorn serving the app in a thread on a random loopback port."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        ready = threading.Event()
        for _ in range(500):
            if self.server.started:
                ready.set()
                break
            threading.Event().wait(0.01)
        assert ready.is_set(), "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@contextmanager
def live_server(runtime, limits: Limits | None = None) -> Iterator[LiveServer]:
    app = create_app(runtime.ctx, runtime.queue.send, limits)
    with LiveServer(app) as server:
        yield server
