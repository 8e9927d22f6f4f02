"""Bad bytes against our own faults, told apart by errno: a damaged file is a finding, a store we
cannot read (here a real EACCES, from a process without the rights) is a StoreFault."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from intake.entries import EntryCorrupt
from pipeline.documents.preflight import inspect_file
from pipeline.storage.faults import StoreFault, is_store_fault
from tests.conftest import unavailable


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EXDEV, errno.ENOENT, errno.EACCES, errno.EIO,
                                  errno.EROFS, errno.ESTALE])
def test_errors_of_the_operating_system_about_storage_are_faults(code: int) -> None:
    error = OSError(code, os.strerror(code))
    assert is_store_fault(error)
    assert "不是申报材料的问题" in str(StoreFault("读取", "/var/blobs", error))


def test_errors_about_the_bytes_are_not_faults(tmp_path: Path) -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(jpeg, "JPEG")
    cut = tmp_path / "a.jpg"
    cut.write_bytes(jpeg.getvalue()[:300])
    with pytest.raises(OSError) as truncated:  # Pillow says "truncated" without an errno
        with Image.open(cut) as img:
            img.load()
    assert not is_store_fault(truncated.value)
    assert not is_store_fault(OSError(errno.EINVAL, "negative seek from a damaged header"))
    assert not is_store_fault(EntryCorrupt("a.pdf: Bad CRC-32"))
    assert not is_store_fault(ValueError("broken"))
    result = inspect_file(cut, "学历证书.jpg")  # still a finding against the file
    assert [i.rule for i in result.findings] == ["material.unreadable"]


CHILD = """
import os, sys
from pathlib import Path
from PIL import Image, JpegImagePlugin, PngImagePlugin
from pipeline.documents.preflight import inspect_file
from pipeline.storage.faults import StoreFault
Image.init()
os.setgid(65534); os.setuid(65534)  # after the imports: the interpreter's files are root's
try:
    inspect_file(Path(sys.argv[1]), "学历证书.jpg")
except StoreFault as exc:
    print("fault", exc.errno)
else:
    print("no fault")
"""


def test_a_store_this_process_may_not_read_is_a_fault_not_a_finding(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        unavailable("root (to drop to an unprivileged user)", f"euid {os.geteuid()}")
    store = tmp_path / "blobs"
    store.mkdir()
    blob = store / "ab"
    Image.new("RGB", (64, 64), "white").save(blob, "JPEG")
    os.chmod(store, 0o700)  # root's; the worker below runs as nobody
    done = subprocess.run([sys.executable, "-c", CHILD, str(blob)], capture_output=True, text=True,
                          timeout=60, cwd="/")
    assert done.stdout.strip() == f"fault {errno.EACCES}", done.stderr[-2000:]
