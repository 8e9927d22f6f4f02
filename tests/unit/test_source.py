"""Reading batches from real folders and real (sometimes hostile) zip files."""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from intake.entries import EntryCorrupt, EntryTooLarge
from intake.roster import read_roster
from intake.source import BatchSource
from pipeline.domain.identity import make_id_number

ID1 = make_id_number("43010219850315002")
ID2 = make_id_number("43010219900101123")
ID3 = make_id_number("43060319921212001")
ROSTER = f"姓名,身份证号\r\n张三,{ID1}\r\n".encode()


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def _codes(source: BatchSource) -> list[str]:
    return [p.code for p in source.problems]


def _listed(source: BatchSource) -> list[str]:
    rels = [e.relpath for a in source.applicants for e in a.files]
    return rels + ([source.roster.relpath] if source.roster else [])


def _patch_names(path: Path, names: dict[str, bytes]) -> None:
    """Replace ASCII placeholder names by raw bytes (same length) in local and central headers."""
    data = path.read_bytes()
    for placeholder, raw in names.items():
        assert len(placeholder.encode()) == len(raw) and data.count(placeholder.encode()) == 2
        data = data.replace(placeholder.encode(), raw)
    path.write_bytes(data)


def _raw_named_zip(path: Path, members: dict[bytes, bytes]) -> Path:
    """A zip whose member names are the given raw bytes, with the UTF-8 flag (0x800) unset."""
    placeholders = {f"@{i:03d}".ljust(len(raw), "#"): raw for i, raw in enumerate(members)}
    _zip(path, {p: members[raw] for p, raw in placeholders.items()})
    _patch_names(path, placeholders)
    return path


def _patch_first_member(path: Path, *, flag_bits: int | None = None, file_size: int | None = None) -> None:
    """Rewrite the general-purpose flags or declared size of a one-member zip, in both headers."""
    data = bytearray(path.read_bytes())
    central = struct.unpack("<I", data[data.rfind(b"PK\x05\x06") + 16:][:4])[0]
    for offset, flag_at, size_at in ((0, 6, 22), (central, 8, 24)):
        if flag_bits is not None:
            data[offset + flag_at:offset + flag_at + 2] = struct.pack("<H", flag_bits)
        if file_size is not None:
            data[offset + size_at:offset + size_at + 4] = struct.pack("<I", file_size)
    path.write_bytes(bytes(data))


def test_folder_batch_lists_roster_and_applicant_files_ignoring_os_junk(tmp_path: Path) -> None:
    root = _tree(tmp_path / "批次2026", {
        "roster.csv": ROSTER,
        f"{ID1}_张三/学历证书.jpg": b"jpg1",
        f"{ID1}_张三/业绩/业绩材料.pdf": b"pdf1",
        f"{ID1}_张三/.DS_Store": b"junk",
        f"{ID1}_张三/Thumbs.db": b"junk",
        f"李四_{ID2}/述职报告.pdf": b"pdf2",
        "~$roster.xlsx": b"lock",
        "desktop.ini": b"junk",
        "__MACOSX/._roster.csv": b"junk",
        ".hidden/x.pdf": b"junk",
    })
    with BatchSource.open(root) as source:
        assert source.problems == [] and not source.fatal
        assert source.root_name == "批次2026"
        assert source.roster is not None and source.roster.relpath == "roster.csv"
        assert [(a.name, a.id_number) for a in source.applicants] == [(f"{ID1}_张三", ID1), (f"李四_{ID2}", ID2)]
        first = source.applicants[0]
        assert [e.relpath for e in first.files] == [f"{ID1}_张三/业绩/业绩材料.pdf", f"{ID1}_张三/学历证书.jpg"]
        assert first.files[1].size == 4
        with first.files[1].open() as fh:
            assert fh.read() == b"jpg1"
        with source.roster.open() as fh:
            assert read_roster(fh, source.roster.relpath).rows[0].values["id_number"] == ID1


def test_zip_with_a_wrapping_top_folder_is_descended_into(tmp_path: Path) -> None:
    path = _zip(tmp_path / "长沙某单位.zip", {
        "长沙某单位/": b"",
        "长沙某单位/花名册.csv": ROSTER,
        f"长沙某单位/{ID1}_张三/学历证书.jpg": b"jpg",
        f"长沙某单位/{ID2}/": b"",
        "__MACOSX/长沙某单位/._花名册.csv": b"junk",
    })
    with BatchSource.open(path) as source:
        assert source.problems == [] and not source.fatal
        assert source.root_name == "长沙某单位.zip"
        assert source.roster is not None and source.roster.relpath == "长沙某单位/花名册.csv"
        assert [a.id_number for a in source.applicants] == [ID1, ID2]
        assert source.applicants[1].files == []  # an empty folder is still an applicant folder
        with source.applicants[0].files[0].open() as fh:
            assert fh.read() == b"jpg"


def test_gbk_names_without_utf8_flag_are_decoded_as_chinese(tmp_path: Path) -> None:
    path = _raw_named_zip(tmp_path / "batch.zip", {
        "花名册.csv".encode("gbk"): ROSTER,
        f"{ID1}_张三/学历证书.jpg".encode("gbk"): b"jpg",
        f"{ID2}_李四/述职报告.pdf".encode(): b"pdf",  # macOS: UTF-8 without the flag
    })
    with zipfile.ZipFile(path) as archive:
        assert all(not info.flag_bits & 0x800 for info in archive.infolist())
    with BatchSource.open(path) as source:
        assert source.problems == []
        assert source.roster is not None and source.roster.relpath == "花名册.csv"
        assert [e.relpath for a in source.applicants for e in a.files] == [
            f"{ID1}_张三/学历证书.jpg", f"{ID2}_李四/述职报告.pdf"]


@pytest.mark.parametrize("bad", ["../evil.txt", "/etc/x", "C:\\x\\evil.txt", "\\\\server\\share\\x", f"{ID1}/../../up.txt"])
def test_traversal_and_absolute_members_are_reported_and_never_listed(tmp_path: Path, bad: str) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, f"{ID1}/学历证书.jpg": b"jpg", bad: b"evil"})
    with BatchSource.open(path) as source:
        assert _codes(source) == ["batch.unsafe_path"]
        assert source.problems[0].path == bad
        assert not source.fatal
        assert _listed(source) == [f"{ID1}/学历证书.jpg", "roster.csv"]


def test_backslash_separators_are_normalized_not_rejected(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, f"{ID1}_张三\\学历证书.jpg": b"jpg"})
    with BatchSource.open(path) as source:
        assert source.problems == []
        assert _listed(source) == [f"{ID1}_张三/学历证书.jpg", "roster.csv"]


def test_symlink_member_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "batch.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("roster.csv", ROSTER)
        link = zipfile.ZipInfo(f"{ID1}/学历证书.jpg")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with BatchSource.open(path) as source:
        assert _codes(source) == ["batch.unsafe_path"]
        assert source.applicants[0].files == []


def test_encrypted_member_is_reported_and_skipped(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {f"{ID1}/学历证书.jpg": b"secret"})
    _patch_first_member(path, flag_bits=0x1 | 0x800)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("roster.csv", ROSTER)
    with BatchSource.open(path) as source:
        assert _codes(source) == ["batch.encrypted_member"]
        assert source.problems[0].path == f"{ID1}/学历证书.jpg"
        assert source.applicants[0].files == [] and not source.fatal


def test_highly_compressed_member_is_a_zip_bomb_and_nothing_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("roster.csv", ROSTER)
        with archive.open(f"{ID1}/业绩材料.pdf", "w") as fh:
            for _ in range(50):
                fh.write(bytes(1024 * 1024))
    with BatchSource.open(path) as source:
        assert source.fatal and _codes(source) == ["batch.zip_bomb"]
        assert source.roster is None and source.applicants == []


def test_declared_total_or_member_count_over_limit_is_a_zip_bomb(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, f"{ID1}/a.jpg": b"a" * 600, f"{ID1}/b.jpg": b"b"})
    with BatchSource.open(path, max_total_bytes=500) as source:
        assert source.fatal and _codes(source) == ["batch.zip_bomb"]
    with BatchSource.open(path, max_members=2) as source:
        assert source.fatal and _codes(source) == ["batch.zip_bomb"]


def test_member_read_past_the_cap_raises_entry_too_large(tmp_path: Path) -> None:
    payload = hashlib.sha256(b"seed").digest() * 10_000  # 320 KB, barely compressible
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, f"{ID1}/业绩材料.pdf": payload})
    with BatchSource.open(path, max_member_bytes=100_000) as source:
        entry = source.applicants[0].files[0]
        assert entry.size == len(payload)
        received = 0
        with entry.open() as fh, pytest.raises(EntryTooLarge):
            while chunk := fh.read(8192):
                received += len(chunk)
        assert received <= 100_000


def test_member_whose_header_understates_its_size_never_yields_more_than_declared(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {f"{ID1}/业绩材料.pdf": b"%PDF" + b"x" * 2_000_000})
    _patch_first_member(path, file_size=1000)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("roster.csv", ROSTER)
    with BatchSource.open(path) as source:
        entry = source.applicants[0].files[0]
        assert entry.size == 1000
        received = 0
        with entry.open() as fh, pytest.raises(EntryCorrupt):
            while chunk := fh.read(65536):
                received += len(chunk)
        assert received <= 1000


def test_roster_over_the_cap_becomes_a_roster_problem(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER + b"x" * 5000, f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(path, max_member_bytes=1000) as source:
        assert source.roster is not None
        with source.roster.open() as fh:
            roster = read_roster(fh, source.roster.relpath)
    assert [p.code for p in roster.problems] == ["roster.unreadable"]


def test_stray_root_file_is_reported_not_processed(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, "学历证书.jpg": b"jpg", f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(path) as source:
        assert _codes(source) == ["batch.stray_file"]
        assert source.problems[0].path == "学历证书.jpg"
        assert "学历证书.jpg" not in _listed(source) and not source.fatal


def test_folder_without_an_id_number_is_reported_and_listed_without_id(tmp_path: Path) -> None:
    root = _tree(tmp_path / "b", {"roster.csv": ROSTER, "张三/学历证书.jpg": b"jpg", f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(root) as source:
        assert _codes(source) == ["batch.folder_without_id"]
        assert "身份证号_姓名" in source.problems[0].message
        assert [(a.name, a.id_number) for a in source.applicants] == [(ID1, ID1), ("张三", None)]


def test_second_folder_with_the_same_id_is_reported_and_dropped(tmp_path: Path) -> None:
    lower = ID3[:17] + ID3[17].lower()
    root = _tree(tmp_path / "b", {
        "roster.csv": ROSTER,
        f"{ID3}_王五/学历证书.jpg": b"first",
        f"王五_{lower}/学历证书.jpg": b"second",
    })
    with BatchSource.open(root) as source:
        assert _codes(source) == ["batch.duplicate_folder"]
        assert source.problems[0].path == f"王五_{lower}"
        assert [a.name for a in source.applicants] == [f"{ID3}_王五"]


def test_preferred_roster_name_wins_and_other_spreadsheets_are_stray(tmp_path: Path) -> None:
    root = _tree(tmp_path / "b", {"2026年职称申报花名册.xlsx": b"x", "统计.csv": b"y", f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(root) as source:
        assert source.roster is not None and source.roster.relpath == "2026年职称申报花名册.xlsx"
        assert _codes(source) == ["batch.stray_file"] and not source.fatal


def test_several_rosters_or_none_are_fatal(tmp_path: Path) -> None:
    with BatchSource.open(_tree(tmp_path / "a", {"roster.csv": b"x", "roster.xlsx": b"y"})) as source:
        assert source.fatal and _codes(source) == ["batch.roster_ambiguous"] and source.roster is None
    with BatchSource.open(_tree(tmp_path / "b", {f"{ID1}/a.jpg": b"a"})) as source:
        assert source.fatal and _codes(source) == ["batch.no_roster"]


def test_xls_roster_is_found_and_reader_asks_to_save_as_xlsx(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"花名册.xls": b"\xd0\xcf\x11\xe0" + bytes(100), f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(path) as source:
        assert not source.fatal and source.roster is not None
        with source.roster.open() as fh:
            roster = read_roster(fh, source.roster.relpath)
    assert [p.code for p in roster.problems] == ["roster.unsupported_format"]


def test_not_a_zip_and_corrupt_zip_are_fatal_unreadable(tmp_path: Path) -> None:
    rar = tmp_path / "batch.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x00" + bytes(100))
    good = _zip(tmp_path / "good.zip", {"roster.csv": ROSTER, f"{ID1}/a.jpg": b"a" * 1000})
    broken = tmp_path / "broken.zip"
    data = good.read_bytes()
    broken.write_bytes(data[:40] + data[-22:])  # an end record pointing at a missing directory
    for path in (rar, broken, tmp_path / "missing.zip"):
        with BatchSource.open(path) as source:
            assert source.fatal and _codes(source) == ["batch.unreadable"], path


def test_symlink_in_a_folder_batch_is_reported_and_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    root = _tree(tmp_path / "b", {"roster.csv": ROSTER, f"{ID1}/a.jpg": b"a"})
    os.symlink(secret, root / ID1 / "学历证书.jpg")
    os.symlink(tmp_path, root / ID2)
    with BatchSource.open(root) as source:
        assert sorted(_codes(source)) == ["batch.unsafe_path", "batch.unsafe_path"]
        assert _listed(source) == [f"{ID1}/a.jpg", "roster.csv"]


def test_duplicate_member_name_keeps_the_first(tmp_path: Path) -> None:
    path = tmp_path / "batch.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("roster.csv", ROSTER)
        archive.writestr(f"{ID1}/a.jpg", b"first")
        archive.writestr(f"{ID1}\\a.jpg", b"second")
    with BatchSource.open(path) as source:
        assert _codes(source) == ["batch.duplicate_path"]
        with source.applicants[0].files[0].open() as fh:
            assert fh.read() == b"first"


def test_zip_digest_is_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    path = _zip(tmp_path / "batch.zip", {"roster.csv": ROSTER, f"{ID1}/a.jpg": b"a"})
    with BatchSource.open(path) as source:
        assert source.source_digest() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_folder_digest_is_stable_and_changes_with_size_or_mtime(tmp_path: Path) -> None:
    root = _tree(tmp_path / "b", {"roster.csv": ROSTER, f"{ID1}/a.jpg": b"a"})
    first = BatchSource.open(root).source_digest()
    assert BatchSource.open(root).source_digest() == first
    os.utime(root / ID1 / "a.jpg", ns=(1, 1))
    touched = BatchSource.open(root).source_digest()
    assert touched != first
    (root / ID1 / "a.jpg").write_bytes(b"ab")
    os.utime(root / ID1 / "a.jpg", ns=(1, 1))
    assert BatchSource.open(root).source_digest() not in (first, touched)
