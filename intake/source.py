"""Reading a batch (a folder, or the same folder as a .zip) safely: list and stream, never extract.

Layout (docs/reference.md §1): the roster at the batch root, one folder per applicant named with the ID
number. Choices made here:
- `Entry.relpath` is the path inside the zip or folder exactly as the operator sees it when opening
  it, wrapping top folder included; `BatchSource.root_name` is the zip's or folder's own name.
- When the root holds no roster but exactly one folder (and that folder is not an applicant's),
  the reader descends into it, repeatedly; loose files left above are reported as stray.
- A folder with no ID number in its name is still listed (`id_number=None`) and reported; of two
  folders with the same ID number the first in name order wins, the other is reported and not listed.
- Unsafe, symlinked, encrypted, unreadable and duplicate members are reported and never listed.
- Every stream (zip member or file, `intake.entries`) stops with `EntryTooLarge` once more than `max_member_bytes`
  have actually been read; corrupt member data raises `EntryCorrupt`. Entries can be opened only
  while the `BatchSource` is open.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast

from intake.entries import (
    MAX_MEMBER_BYTES,
    ApplicantFolder,
    Entry,
    human_size,
    is_junk,
    open_file,
    parent_of,
    safe_path,
    zip_name,
)
from pipeline.domain.identity import find_id_number
from pipeline.domain.problems import Problem

MAX_TOTAL_BYTES = 4 * 1024**3
MAX_MEMBERS = 20_000
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024 * 1024
# The whole batch: scans and photos hardly compress (~1.1:1), so a batch that unpacks to 20 times
# its size is a bomb built of members each too small for the per-member check (400 x 1 MB of
# zeros fit in 807 KB).
MAX_BATCH_RATIO = 20
BATCH_RATIO_MIN_BYTES = 16 * 1024 * 1024
MAX_FILES_PER_FOLDER = 60  # an applicant has ~7-15 materials; a folder of page-by-page scans is not one

ROSTER_SUFFIXES = (".csv", ".xlsx", ".xls")
_ROSTER_STEMS = ("roster", "花名册", "名单")
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_REPACK = "请直接把批次文件夹压缩为zip后重新提交。"


class BatchSource:
    """A batch opened for reading: its roster entry, applicant folders and problems (a context manager)."""

    def __init__(self, path: Path, max_member_bytes: int) -> None:
        self.path = path
        self.root_name = path.name or path.resolve().name
        self.roster: Entry | None = None
        self.applicants: list[ApplicantFolder] = []
        self.problems: list[Problem] = []
        self.fatal = False
        self._max_bytes = max_member_bytes
        self._zip: zipfile.ZipFile | None = None
        self._stats: list[tuple[str, int, int]] = []
        self.total_bytes = 0  # what the batch's files hold once unpacked (declared sizes)

    @classmethod
    def open(cls, path: Path, *, max_member_bytes: int = MAX_MEMBER_BYTES,
             max_total_bytes: int = MAX_TOTAL_BYTES, max_members: int = MAX_MEMBERS,
             max_ratio: float = MAX_RATIO, ratio_min_bytes: int = RATIO_MIN_BYTES) -> BatchSource:
        """Open a batch folder or zip and list it; problems (fatal or not) are recorded, never raised."""
        path = Path(path)
        source = cls(path, max_member_bytes)
        files: dict[str, Entry] = {}
        dirs: set[str] = set()
        if path.is_dir():
            source._scan_dir(files, dirs)
        elif path.is_file() and zipfile.is_zipfile(path):
            source._scan_zip(files, dirs, max_total_bytes, max_members, max_ratio, ratio_min_bytes)
        else:
            source._fail("batch.unreadable",
                         f"“{path.name}”不是zip压缩包，也不是文件夹（或已不存在、已损坏）。"
                         f"请将批次文件夹压缩为zip格式（不要用rar、7z）后重新提交。")
        if not source.fatal:
            source._layout(files, dirs)
        return source

    def _report(self, code: str, message: str, path: str | None = None) -> None:
        self.problems.append(Problem(code, message, path or self.root_name))

    def _fail(self, code: str, message: str) -> None:
        self._report(code, message)
        self.fatal = True

    def _scan_zip(self, files: dict[str, Entry], dirs: set[str], max_total: int,
                  max_members: int, max_ratio: float, ratio_min: int) -> None:
        try:
            archive = zipfile.ZipFile(self.path)
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            self._fail("batch.unreadable", f"压缩包“{self.root_name}”已损坏，无法读取。请重新压缩批次文件夹后再提交。")
            return
        self._zip = archive
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos)
        self.total_bytes = total
        worst = max(((i.file_size / max(i.compress_size, 1), i) for i in infos
                     if i.file_size > ratio_min), default=(0.0, None), key=lambda t: t[0])
        if len(infos) > max_members:
            self._fail("batch.zip_bomb", f"压缩包“{self.root_name}”包含{len(infos)}个文件，超过上限{max_members}个，"
                       f"疑似异常压缩包，已拒绝处理。请只放入花名册和申报材料，必要时分批打包后重新提交。")
        elif total > max_total:
            self._fail("batch.zip_bomb", f"压缩包“{self.root_name}”声明解压后共{human_size(total)}，超过上限"
                       f"{human_size(max_total)}，疑似压缩炸弹，已拒绝处理。请检查压缩包内容后重新打包提交。")
        elif worst[1] is not None and worst[0] > max_ratio:
            self._fail("batch.zip_bomb", f"压缩包中的“{zip_name(worst[1])}”压缩比异常（约{worst[0]:.0f}:1），"
                       f"疑似压缩炸弹，整个压缩包已拒绝处理。请删除该文件或重新打包后提交。")
        elif total > BATCH_RATIO_MIN_BYTES and total > MAX_BATCH_RATIO * max(packed, 1):
            self._fail("batch.zip_bomb", f"压缩包“{self.root_name}”只有{human_size(self.path.stat().st_size)}，"
                       f"解压后却有{human_size(total)}（约{total / max(packed, 1):.0f}:1，扫描件和照片一般不到2:1），"
                       f"疑似压缩炸弹，整个压缩包已拒绝处理。请检查压缩包内容（是否混入了大量空白或重复文件）后重新打包提交。")
        if self.fatal:
            return
        for info in infos:
            raw = zip_name(info)
            rel = safe_path(raw)
            if rel is None:
                self._report("batch.unsafe_path", f"压缩包中的“{raw}”路径不安全（含“..”或是绝对路径），"
                             f"已跳过。{_REPACK}", raw)
                continue
            if is_junk(rel):
                continue
            if parent_of(rel):
                dirs.add(parent_of(rel))  # a folder stays even when its only member is skipped
            if stat.S_ISLNK(info.external_attr >> 16):
                self._report("batch.unsafe_path", f"“{rel}”是符号链接，已跳过。请放入文件本身而不是链接，"
                             f"然后重新打包提交。", rel)
            elif info.is_dir() or raw.endswith("\\"):
                dirs.add(rel)
            elif info.flag_bits & 0x1:
                self._report("batch.encrypted_member", f"“{rel}”设置了密码，无法读取，已跳过。"
                             f"请去掉密码保护后重新打包提交。", rel)
            elif info.compress_type not in _READABLE_METHODS:
                self._report("batch.unreadable_member", f"“{rel}”使用了不支持的压缩方式，无法读取，已跳过。"
                             f"请用系统自带的“压缩为zip”功能重新打包提交。", rel)
            elif rel in files or rel in dirs:
                self._report("batch.duplicate_path", f"压缩包中“{rel}”出现了不止一次，只使用了第一个。"
                             f"请删除重复的文件后重新打包提交。", rel)
            else:
                files[rel] = Entry(rel, info.file_size, _member(archive, info), self._max_bytes)

    def _scan_dir(self, files: dict[str, Entry], dirs: set[str]) -> None:
        pending = [""]
        while pending:
            prefix = pending.pop()
            try:
                with os.scandir(self.path / prefix if prefix else self.path) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError:
                if not prefix:
                    self._fail("batch.unreadable", f"文件夹“{self.root_name}”无法读取（没有权限或已被移走）。请检查后重新导入。")
                else:
                    self._report("batch.unreadable_member", f"文件夹“{prefix}”无法读取（没有权限），其中的文件已跳过。"
                                 f"请检查该文件夹的权限后重新导入。", prefix)
                continue
            for child in children:
                rel = f"{prefix}/{child.name}" if prefix else child.name
                if is_junk(rel):
                    continue
                if child.is_symlink():
                    self._report("batch.unsafe_path", f"“{rel}”是符号链接（快捷方式），已跳过。请放入文件本身而不是链接。", rel)
                elif child.is_dir(follow_symlinks=False):
                    dirs.add(rel)
                    pending.append(rel)
                elif child.is_file(follow_symlinks=False):
                    try:
                        st = child.stat(follow_symlinks=False)
                    except OSError:
                        continue  # vanished while listing
                    self._stats.append((rel, st.st_size, st.st_mtime_ns))
                    self.total_bytes += st.st_size
                    files[rel] = Entry(rel, st.st_size, _file(Path(child.path)), self._max_bytes)
                else:
                    self._report("batch.unsafe_path", f"“{rel}”不是普通文件（设备、管道等），已跳过。", rel)

    def _layout(self, files: dict[str, Entry], dirs: set[str]) -> None:
        for rel in [*files, *dirs]:
            parent = parent_of(rel)
            while parent:
                dirs.add(parent)
                parent = parent_of(parent)
        prefix, stray = "", []
        while True:
            level_files = sorted(r for r in files if parent_of(r) == prefix)
            level_dirs = sorted(d for d in dirs if parent_of(d) == prefix)
            candidates = [r for r in level_files if PurePosixPath(r).suffix.lower() in ROSTER_SUFFIXES]
            if candidates or len(level_dirs) != 1 or find_id_number(PurePosixPath(level_dirs[0]).name):
                break
            stray += level_files
            prefix = level_dirs[0]

        roster = self._pick_roster(candidates)
        self.roster = files[roster] if roster else None
        for rel in sorted(stray + [r for r in level_files if r != roster and (roster or r not in candidates)]):
            self._report("batch.stray_file", f"“{rel}”位于批次最外层，不属于任何申报人，未处理。如果是申报材料，"
                         f"请放入对应申报人的文件夹（以“身份证号_姓名”命名）后重新提交。", rel)

        by_folder: dict[str, list[Entry]] = {d: [] for d in level_dirs}
        start = len(prefix) + 1 if prefix else 0
        for rel in sorted(files):
            if rel.startswith(prefix + "/" if prefix else "") and "/" in rel[start:]:
                top = rel[:start] + rel[start:].split("/", 1)[0]
                by_folder[top].append(files[rel])
        seen: dict[str, str] = {}
        for folder in level_dirs:
            name = PurePosixPath(folder).name
            id_number = find_id_number(name)
            if id_number is None:
                self._report("batch.folder_without_id", f"文件夹“{name}”的名称中没有18位身份证号，无法与花名册对应，"
                             f"其中的材料未处理。请将文件夹改名为“身份证号_姓名”（如“430102199001011238_张三”）后重新提交。", folder)
            elif id_number in seen:
                self._report("batch.duplicate_folder", f"文件夹“{name}”与“{seen[id_number]}”的身份证号相同，已使用"
                             f"“{seen[id_number]}”，本文件夹未处理。请把同一申报人的材料合并到一个文件夹后重新提交。", folder)
                continue
            else:
                seen[id_number] = name
            chosen = by_folder[folder]
            if len(chosen) > MAX_FILES_PER_FOLDER:
                # None of them: a partial set would look like a complete application.
                self._report("batch.too_many_files", f"文件夹“{name}”中有{len(chosen)}个文件，超过每位申报人"
                             f"{MAX_FILES_PER_FOLDER}个文件的上限，其中的材料均未处理（该申报将按“材料缺失”退回）。"
                             "请把同一份材料的多页扫描合并为一个PDF，删除无关文件后重新提交。", folder)
                chosen = []
            self.applicants.append(ApplicantFolder(name, id_number, chosen))

    def _pick_roster(self, candidates: list[str]) -> str | None:
        if len(candidates) == 1:
            return candidates[0]
        stems = [PurePosixPath(c).stem.lower() for c in candidates]
        exact = [c for c, s in zip(candidates, stems) if s in _ROSTER_STEMS]
        loose = [c for c, s in zip(candidates, stems) if any(k in s for k in _ROSTER_STEMS)]
        for tier in (exact, loose):
            if len(tier) == 1:
                return tier[0]
            if tier:
                break
        if not candidates:
            self._fail("batch.no_roster", "批次最外层没有找到花名册。请把花名册（roster.xlsx 或 roster.csv）放在批次"
                       "文件夹的最外层，与各申报人的文件夹并列，然后重新提交。")
        else:
            self._fail("batch.roster_ambiguous", f"批次最外层有多个可能的花名册：{'、'.join(candidates)}，无法确定"
                       f"使用哪一个。请只保留一个花名册（建议命名为“花名册.xlsx”），删除其余的后重新提交。")
        return None

    def source_digest(self) -> str:
        """SHA-256 of the zip's bytes, or for a folder of the sorted (relpath, size, mtime_ns) of its files."""
        digest = hashlib.sha256()
        if self.path.is_file():
            with open(self.path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                    digest.update(chunk)
        else:
            for rel, size, mtime_ns in sorted(self._stats):
                digest.update(f"{rel}\0{size}\0{mtime_ns}\n".encode())
        return digest.hexdigest()

    def close(self) -> None:
        """Close the underlying zip (entries can no longer be opened)."""
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> BatchSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    return lambda: cast(BinaryIO, archive.open(info))  # a ZipExtFile: a binary stream


def _file(path: Path) -> Callable[[], BinaryIO]:
    return lambda: open_file(path)
