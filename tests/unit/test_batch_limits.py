"""Batch-wide limits: a zip bomb of many small members, too many files in one applicant's folder,
and a data directory without the room a batch needs (a real small filesystem)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from intake.bulk import open_batch
from intake.source import MAX_FILES_PER_FOLDER, RATIO_MIN_BYTES, BatchSource
from pipeline.domain.identity import make_id_number
from pipeline.settings import Settings
from tests.files.mounts import tmpfs

ROSTER = "姓名,身份证号\n张三,{id}\n".format(id=make_id_number("43010219920315123"))


def small_member_bomb(target: Path) -> Path:
    """400 members of 1,000,000 zero bytes (each under the per-member check's 1 MiB floor)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("batch/roster.csv", ROSTER)
        for n in range(400):
            folder = make_id_number(f"430102199203{n // 50 + 10:02d}123")
            zf.writestr(f"batch/{folder}_某/附件{n:03d}.pdf", b"\0" * 1_000_000)
    return target


@pytest.mark.slow  # builds a zip that unpacks to 381 MB
def test_many_small_members_that_unpack_to_hundreds_of_megabytes_are_refused(tmp_path: Path) -> None:
    path = small_member_bomb(tmp_path / "batch.zip")
    assert path.stat().st_size < 1_000_000 and 1_000_000 < RATIO_MIN_BYTES
    with BatchSource.open(path) as source:
        assert source.fatal
        (problem,) = [p for p in source.problems if p.code == "batch.zip_bomb"]
        assert "解压后却有381.5 MB" in problem.message and "疑似压缩炸弹" in problem.message
        assert source.applicants == []


def test_an_ordinary_zip_of_scans_passes_the_batch_ratio(tmp_path: Path) -> None:
    import os

    path = tmp_path / "ok.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("b/roster.csv", ROSTER)
        zf.writestr(f"b/{make_id_number('43010219920315123')}_张三/学历证书.jpg", os.urandom(20 << 20))
    with BatchSource.open(path) as source:
        assert not source.fatal, source.problems
        assert source.total_bytes > 20 << 20


def test_a_folder_with_too_many_files_is_reported_and_none_of_them_taken(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    folder = batch / f"{make_id_number('43010219920315123')}_张三"
    folder.mkdir(parents=True)
    (batch / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for n in range(MAX_FILES_PER_FOLDER + 1):
        (folder / f"第{n:03d}页.jpg").write_bytes(b"\xff\xd8\xff" + bytes(10))
    with BatchSource.open(batch) as source:
        (applicant,) = source.applicants
        assert applicant.files == []
        (problem,) = [p for p in source.problems if p.code == "batch.too_many_files"]
        assert f"有{MAX_FILES_PER_FOLDER + 1}个文件" in problem.message and "合并为一个PDF" in problem.message


def test_a_batch_is_refused_before_unpacking_when_the_data_dir_lacks_room(tmp_path: Path) -> None:
    from tests.integration import badfiles

    batch = tmp_path / "batch"
    person = badfiles.Person("张三", make_id_number("43010219920315123"), "91430111MA4PQ7R2XK")
    folder = batch / person.folder
    folder.mkdir(parents=True)
    badfiles.write_roster(batch / "roster.csv", [person.row])
    (folder / "学历证书.jpg").write_bytes(b"\xff\xd8\xff" + bytes(3 << 20))
    data_dir = tmp_path / "var"
    with tmpfs(data_dir, "8m"):
        tight = Settings(data_dir=data_dir, free_space_margin=6 << 20)  # 3 MB + 6 MB > 8 MB
        with open_batch(batch, tight) as intake:
            assert intake.fatal
            (problem,) = [p for p in intake.problems if p.code == "batch.no_space"]
            assert "服务器存储空间不足" in problem.message and "不是批次本身的问题" in problem.message
            assert not intake.applications
        roomy = Settings(data_dir=data_dir, free_space_margin=1 << 20)
        with open_batch(batch, roomy) as intake:
            assert not intake.fatal, intake.problems
            assert len(intake.applications) == 1
